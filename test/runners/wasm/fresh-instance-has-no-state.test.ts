import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmRunner, WASM_CONFIGURATIONS } from '../../../runners/wasm/index.ts';
import { ask, openCell } from './helpers.ts';

test('cold and pre-warmed instances see nothing of the previous request (memory, heap, global, table), pooled or not, inline or in a worker; the warm one sees all of it', async () => {
  for (const execution of ['inline', 'worker'] as const) {
    for (const config of WASM_CONFIGURATIONS) {
      for (const [probe, lifecycle] of [['state-carryover', 'cold'], ['state-carryover', 'prewarmed'], ['state-reset', 'cold'], ['state-reset', 'prewarmed']] as const) {
        const cell = await createWasmRunner({ execution }).open({ workload: loadWorkload(probe), lifecycle, config, poolSize: 1 });
        try {
          for (let i = 0; i < 4; i++) {
            const answer = await ask(cell);
            assert.equal(answer.outcome, 'blocked', `${probe} ${execution} ${config} ${lifecycle} request ${i}: ${answer.detail}`);
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
  const warmReset = await openCell('state-reset', { lifecycle: 'warm' });
  try {
    assert.equal((await ask(warmReset)).outcome, 'blocked');
    const second = await ask(warmReset);
    assert.equal(second.outcome, 'succeeded');
    assert.match(second.detail, /static mark found; initialised variable changed; global mark found/);
  } finally {
    await warmReset.close();
  }
});
