import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { BenchError } from '../../../core/errors.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { get, openCell } from './helpers.ts';

test('an infinite loop stops at its deadline with a clear message, and the host serves the next request', async () => {
  for (const lifecycle of ['cold', 'prewarmed', 'warm'] as const) {
    // Cold and pre-warmed run inline (interruption checks + watchdog); warm runs in a worker that is terminated.
    const looping = await openCell('infinite-loop', { lifecycle, deadlineMs: 300 });
    const neighbour = await openCell('hello', { lifecycle });
    const canned = cannedRequest(loadWorkload('hello'));
    try {
      const stuck = looping.invoke(get());
      // The neighbour answers (after the stopped loop when both run inline on this thread, meanwhile when the loop runs in a worker).
      assert.equal(responseMismatch(canned.expected, (await neighbour.invoke(canned.request)).response), null);
      await assert.rejects(stuck, (error: unknown) => error instanceof BenchError && error.kind === 'guest' && /deadline exceeded.*300 ms/.test(error.message), lifecycle);
      // The same cell takes the next request with a new instance (and stops it again).
      await assert.rejects(looping.invoke(get()), /deadline exceeded/);
      assert.equal(responseMismatch(canned.expected, (await neighbour.invoke(canned.request)).response), null);
    } finally {
      await looping.close();
      await neighbour.close();
    }
  }
});

test('in worker execution too, an infinite loop stops at its deadline and the cell serves the next request', async () => {
  const looping = await createWasmRunner({ execution: 'worker' }).open({ workload: loadWorkload('infinite-loop'), lifecycle: 'cold', deadlineMs: 300 });
  try {
    await assert.rejects(looping.invoke(get()), /deadline exceeded.*300 ms/);
    await assert.rejects(looping.invoke(get()), /deadline exceeded/);
  } finally {
    await looping.close();
  }
});
