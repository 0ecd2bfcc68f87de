import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ask, openCell, sandboxDir } from './helpers.ts';

test('a read-only grant refuses writes; a writable one takes them', async () => {
  const { dir, cleanup } = sandboxDir();
  try {
    const readOnly = await openCell('write-readonly', { dirs: [{ hostPath: dir, guestPath: '/sandbox' }] });
    try {
      assert.equal((await ask(readOnly, 'path=/sandbox/new.txt')).outcome, 'blocked');
      assert.equal((await ask(readOnly, 'path=/sandbox/inside.txt')).outcome, 'blocked', 'truncating an existing file is a write');
    } finally {
      await readOnly.close();
    }
    assert.equal(fs.existsSync(path.join(dir, 'new.txt')), false);
    assert.equal(fs.readFileSync(path.join(dir, 'inside.txt'), 'utf8'), 'granted content\n');

    const writable = await openCell('write-readonly', { dirs: [{ hostPath: dir, guestPath: '/sandbox', writable: true }] });
    try {
      assert.equal((await ask(writable, 'path=/sandbox/new.txt')).outcome, 'succeeded');
    } finally {
      await writable.close();
    }
    assert.match(fs.readFileSync(path.join(dir, 'new.txt'), 'utf8'), /write-readonly probe/);
  } finally {
    cleanup();
  }
});
