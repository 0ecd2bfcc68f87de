import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ask, openCell } from './helpers.ts';

test('cold and pre-warmed instances see nothing of the previous request, pooled or not; the warm one does', async () => {
  for (const config of ['pooling=off', 'pooling=on']) {
    for (const lifecycle of ['cold', 'prewarmed'] as const) {
      const cell = await openCell('state-carryover', { lifecycle, config, poolSize: 1 });
      try {
        for (let i = 0; i < 4; i++) assert.equal((await ask(cell)).outcome, 'blocked', `${config} ${lifecycle} request ${i}`);
      } finally {
        await cell.close();
      }
    }
  }
  const warm = await openCell('state-carryover', { lifecycle: 'warm' });
  try {
    assert.equal((await ask(warm)).outcome, 'blocked');
    assert.equal((await ask(warm)).outcome, 'succeeded', 'a reused instance keeps its state by design');
  } finally {
    await warm.close();
  }
});
