import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, LOOPBACK } from '../../../../core/net.ts';
import { runLocust } from '../../../../suites/throughput/locust/engine.ts';
import { helloPlan, locust, processesWith, skipWithoutLocust } from './locust-helpers.ts';

const plan = helloPlan('http://127.0.0.1:9');

test('workers that never come, and a master address already taken, are reported as Locust being unavailable', { skip: skipWithoutLocust }, async () => {
  const port = await freePort();
  await assert.rejects(
    runLocust(locust!, { plan, durationSeconds: 1, usersPerWorker: 1, localWorkers: 0, remoteWorkers: 1, master: { host: LOOPBACK, port }, workersWaitSeconds: 2 }),
    (error: Error & { kind?: string }) => error.kind === 'unavailable' && /not all 1 Locust worker\(s\) connected to 127\.0\.0\.1:\d+ within 2 s/.test(error.message),
  );
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, LOOPBACK, resolve));
  try {
    const { port: busy } = taken.address() as net.AddressInfo;
    await assert.rejects(
      runLocust(locust!, { plan, durationSeconds: 1, usersPerWorker: 1, localWorkers: 1, remoteWorkers: 0, master: { host: LOOPBACK, port: busy } }),
      (error: Error & { kind?: string }) => error.kind === 'unavailable' && /cannot listen on 127\.0\.0\.1:\d+: .*Address already in use/.test(error.message),
    );
  } finally {
    taken.close();
  }
  assert.deepEqual(processesWith('wsb-locust-'), [], 'no Locust process outlives a failed run');
});
