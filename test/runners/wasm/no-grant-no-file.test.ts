import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ask, openCell, sandboxDir } from './helpers.ts';

test('without a grant, /etc/passwd is an errno inside the guest', async () => {
  const cell = await openCell('read-host-file');
  try {
    const answer = await ask(cell, 'path=/etc/passwd');
    assert.equal(answer.outcome, 'blocked', answer.detail);
  } finally {
    await cell.close();
  }
});

test('with --dir, the guest reads the grant and nothing beside it', async () => {
  const { dir, cleanup } = sandboxDir();
  const cell = await openCell('read-host-file', { dirs: [{ hostPath: dir, guestPath: '/sandbox' }] });
  try {
    assert.equal((await ask(cell, 'path=/sandbox/inside.txt')).outcome, 'succeeded');
    assert.equal((await ask(cell, 'path=/etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, `path=${path.join(dir, 'inside.txt')}`)).outcome, 'blocked', 'the host path of the grant is not a guest path');
  } finally {
    await cell.close();
    cleanup();
  }
});
