import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ask, openCell } from './helpers.ts';

test('the host environment is invisible unless granted', async () => {
  process.env['WSB_SECRET'] = 'host-secret';
  try {
    for (const lifecycle of ['cold', 'warm'] as const) {
      const hidden = await openCell('read-env', { lifecycle });
      try {
        assert.equal((await ask(hidden, 'name=WSB_SECRET')).outcome, 'blocked', lifecycle);
        assert.equal((await ask(hidden, 'name=PATH')).outcome, 'blocked', lifecycle);
      } finally {
        await hidden.close();
      }
      const granted = await openCell('read-env', { lifecycle, env: { WSB_SECRET: 'given' } });
      try {
        assert.equal((await ask(granted, 'name=WSB_SECRET')).outcome, 'succeeded', lifecycle);
      } finally {
        await granted.close();
      }
    }
  } finally {
    delete process.env['WSB_SECRET'];
  }
});
