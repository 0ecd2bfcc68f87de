import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ask, openCell, sandboxDir } from './helpers.ts';

test('.. cannot climb out of a grant', async () => {
  const { dir, cleanup } = sandboxDir();
  fs.mkdirSync(path.join(dir, 'sub'));
  const cell = await openCell('path-traversal', { dirs: [{ hostPath: dir, guestPath: '/sandbox' }] });
  try {
    assert.equal((await ask(cell, 'path=/sandbox/../../../../etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, 'path=/sandbox/sub/../../etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, 'path=/sandbox/sub/../inside.txt')).outcome, 'succeeded', '.. inside the grant is fine');
  } finally {
    await cell.close();
    cleanup();
  }
});

test('a planted symlink out of the grant is refused; one inside it is followed', async () => {
  const { dir, cleanup } = sandboxDir();
  fs.symlinkSync('/etc/passwd', path.join(dir, 'absolute'));
  fs.symlinkSync('../../../../../../etc/passwd', path.join(dir, 'relative'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('../inside.txt', path.join(dir, 'sub', 'inward'));
  fs.symlinkSync('..', path.join(dir, 'sub', 'up'));
  const cell = await openCell('symlink-escape', { dirs: [{ hostPath: dir, guestPath: '/sandbox' }] });
  try {
    assert.equal((await ask(cell, 'link=/sandbox/absolute')).outcome, 'blocked');
    assert.equal((await ask(cell, 'link=/sandbox/relative')).outcome, 'blocked');
    assert.equal((await ask(cell, 'link=/sandbox/sub/up/../etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, 'link=/sandbox/sub/inward')).outcome, 'succeeded');
  } finally {
    await cell.close();
    cleanup();
  }
});

test('a symlink the guest creates cannot point out of a writable grant', async () => {
  const { dir, cleanup } = sandboxDir();
  const cell = await openCell('symlink-escape', { dirs: [{ hostPath: dir, guestPath: '/sandbox', writable: true }] });
  try {
    assert.equal((await ask(cell, 'link=/sandbox/made&target=/etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, 'link=/sandbox/made&target=../../../etc/passwd')).outcome, 'blocked');
    assert.equal((await ask(cell, 'link=/sandbox/made&target=inside.txt')).outcome, 'succeeded');
  } finally {
    await cell.close();
    cleanup();
  }
});
