import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { settlesWithin } from '../../../../core/clock.ts';
import { freePort, LOOPBACK } from '../../../../core/net.ts';
import { runLocust } from '../../../../suites/throughput/locust/engine.ts';
import { helloPlan, locust, processesWith, skipWithoutLocust, startHelloTarget } from './locust-helpers.ts';

const WSB = path.resolve(import.meta.dirname, '../../../../bin/wsb.js');

test('workers from `wsb load-worker` (on loopback here) join each run of a --load-master, and leave after the last', { skip: skipWithoutLocust }, async () => {
  const target = await startHelloTarget();
  const port = await freePort();
  const master = { host: LOOPBACK, port };
  const loadWorkers = [0, 1].map(() => execa('node', [WSB, 'load-worker', '--master', `${LOOPBACK}:${port}`], { reject: false }));
  try {
    for (const final of [false, true]) {
      const run = await runLocust(locust!, { plan: helloPlan(target.url), durationSeconds: 2, usersPerWorker: 2, localWorkers: 0, remoteWorkers: 2, master, final });
      assert.equal(run.workers.length, 2, 'both remote workers took part');
      assert.equal(run.workers.reduce((total, worker) => total + worker.requests, 0), run.locustTotals.requests);
      assert.ok(run.workers.every((worker) => worker.okRequests > 0 && worker.okRequests === worker.requests));
    }
    assert.ok(await settlesWithin(Promise.all(loadWorkers), 30_000), 'the load workers exit after the last run');
    for (const result of await Promise.all(loadWorkers)) {
      assert.equal(result.exitCode, 0, String(result.stderr));
      assert.match(String(result.stderr), /last run is over; runs per worker: 2/);
    }
    assert.deepEqual(processesWith('wsb-load-worker-'), [], 'no worker process survives');
  } finally {
    for (const worker of loadWorkers) worker.kill('SIGKILL');
    await target.front.close();
  }
});
