import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createContainerRunner } from '../../../runners/container/runner.ts';

test('with no engine at the socket path the runner says unavailable, naming the path, and opening a cell fails the same way', async () => {
  const socketPath = path.join(os.tmpdir(), `wsb-no-such-dir-${process.pid}`, 'docker.sock');
  const runner = createContainerRunner({ socketPath });
  const availability = await runner.availability();
  assert.equal(availability.status, 'unavailable');
  assert.ok(availability.status === 'unavailable' && availability.reason.includes(socketPath), JSON.stringify(availability));
  assert.equal(await runner.engineVersion(), null);
  await assert.rejects(runner.open({ workload: loadWorkload('hello'), lifecycle: 'cold' }), (error: unknown) => error instanceof BenchError && error.kind === 'unavailable');
});

test('an engine socket that accepts but never answers is reported unavailable instead of hanging', { timeout: 15_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-mute-'));
  const socketPath = path.join(dir, 'docker.sock');
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const availability = await createContainerRunner({ socketPath }).availability();
    assert.equal(availability.status, 'unavailable');
    assert.ok(availability.status === 'unavailable' && /no answer within/.test(availability.reason) && availability.reason.includes(socketPath), JSON.stringify(availability));
  } finally {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
