import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ask, openCell } from './helpers.ts';

test('growing memory past the cap fails inside the guest, which still answers', async () => {
  for (const config of ['pooling=off', 'pooling=on', 'pooling=on,inline']) {
    const cell = await openCell('memory-grow', { maxMemoryMib: 32, config });
    try {
      const capped = await ask(cell, 'mib=64');
      assert.equal(capped.outcome, 'blocked', capped.detail);
      assert.match(capped.detail, /allocation failed after \d+ of 64 MiB/);
      assert.equal((await ask(cell, 'mib=8')).outcome, 'succeeded', 'the next request under the cap works');
    } finally {
      await cell.close();
    }
  }
});
