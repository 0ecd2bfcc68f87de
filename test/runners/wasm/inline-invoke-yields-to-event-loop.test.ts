import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';

// Regression: a loop of back-to-back inline invocations starved timers and signal handlers (a Ctrl-C went unheard).
test('a loop of inline invocations still lets timers fire', async () => {
  const workload = loadWorkload('hello');
  const cell = await createWasmRunner().open({ workload, lifecycle: 'cold', config: 'pooling=on,inline' });
  let fired = false;
  setTimeout(() => (fired = true), 5);
  const started = Date.now();
  try {
    while (!fired && Date.now() - started < 5000) await cell.invoke(cannedRequest(workload).request);
  } finally {
    await cell.close();
  }
  assert.ok(fired, 'the timer never fired while invocations ran back to back');
});
