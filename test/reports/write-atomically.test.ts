import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFilesAtomically } from '../../reports/formats.ts';

test('report files land whole: into a new folder at once, or each replacing its namesake in an existing one, other files kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-atomic-'));
  const fresh = path.join(dir, 'fresh');
  assert.deepEqual(writeFilesAtomically(fresh, new Map([['a.txt', 'A'], ['b.txt', 'B']])), [path.join(fresh, 'a.txt'), path.join(fresh, 'b.txt')]);
  assert.deepEqual(fs.readdirSync(fresh).sort(), ['a.txt', 'b.txt']);
  fs.writeFileSync(path.join(fresh, 'mine.txt'), 'kept');
  writeFilesAtomically(fresh, new Map([['a.txt', 'A2']]));
  assert.deepEqual([fs.readFileSync(path.join(fresh, 'a.txt'), 'utf8'), fs.readFileSync(path.join(fresh, 'b.txt'), 'utf8'), fs.readFileSync(path.join(fresh, 'mine.txt'), 'utf8')], ['A2', 'B', 'kept']);
  assert.deepEqual(fs.readdirSync(dir), ['fresh'], 'no staging folder is left behind');
});

test('a write that fails half way leaves the output folder as it was and no staging folder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-atomic-fail-'));
  const out = path.join(dir, 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'a.txt'), 'before');
  // The second file cannot be written (its folder does not exist), after the first one was.
  assert.throws(() => writeFilesAtomically(out, new Map([['a.txt', 'after'], ['missing/b.txt', 'B']])), /ENOENT/);
  assert.equal(fs.readFileSync(path.join(out, 'a.txt'), 'utf8'), 'before');
  assert.deepEqual(fs.readdirSync(dir), ['out']);
  assert.throws(() => writeFilesAtomically(path.join(out, 'a.txt'), new Map([['x', 'y']])), /is a file, not a folder/);
});
