import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processAlive } from '../../../core/proc.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { liveServerPids } from '../../../runners/http-server/server-process.ts';
import { createWasmtimeServeRunner } from '../../../runners/wasmtime-serve/index.ts';

const runner = createWasmtimeServeRunner();
const availability = await runner.availability();
const skip = availability.status === 'unavailable' ? availability.reason : false;

test('closing a wasmtime serve server, or aborting its start, leaves no process', { skip }, async () => {
  const workload = loadWorkload('hello');
  const server = await runner.startServer({ workload });
  const [pid] = server.pids();
  assert.ok(pid && processAlive(pid));
  await server.close();
  assert.equal(processAlive(pid!), false);

  const controller = new AbortController();
  const starting = runner.startServer({ workload }, controller.signal);
  setTimeout(() => controller.abort(new DOMException('test abort', 'AbortError')), 1);
  await assert.rejects(starting, { name: 'AbortError' });
  assert.deepEqual(liveServerPids(), []);

  // As a plain runner: a cell holds a server of its own, gone when the cell closes.
  const cell = await runner.open({ workload, lifecycle: 'cold' });
  const result = await cell.invoke(workload.requests[0]!.request);
  assert.equal(result.response.status, 200);
  assert.equal(liveServerPids().length, 1);
  await cell.close();
  assert.deepEqual(liveServerPids(), []);
});
