import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { ask, openCell } from './helpers.ts';

test('cold and pre-warmed instances see nothing of the previous request (memory, heap, global, table), pooled or not, inline or in a worker; the warm one sees all of it', async () => {
  for (const execution of ['inline', 'worker'] as const) {
    for (const config of ['pooling=off', 'pooling=on']) {
      for (const lifecycle of ['cold', 'prewarmed'] as const) {
        const cell = await createWasmRunner({ execution }).open({ workload: loadWorkload('state-carryover'), lifecycle, config, poolSize: 1 });
        try {
          for (let i = 0; i < 4; i++) {
            const answer = await ask(cell);
            assert.equal(answer.outcome, 'blocked', `${execution} ${config} ${lifecycle} request ${i}: ${answer.detail}`);
          }
        } finally {
          await cell.close();
        }
      }
    }
  }
  // The warm instance proves the probe sees each kind of mark when it survives.
  const warm = await openCell('state-carryover', { lifecycle: 'warm' });
  try {
    assert.equal((await ask(warm)).outcome, 'blocked');
    const second = await ask(warm);
    assert.equal(second.outcome, 'succeeded', 'a reused instance keeps its state by design');
    assert.match(second.detail, /static mark found; heap mark found; global mark found; table entries added earlier: 1/);
  } finally {
    await warm.close();
  }
});
