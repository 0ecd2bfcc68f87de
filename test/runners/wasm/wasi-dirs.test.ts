import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { conformanceFamily } from './conformance-cases.ts';

const run = conformanceFamily('dirs');

test('dirs: the paged directory holds the 60 files the guest listed, and renames landed on the host', () => {
  const sandbox = run().sandboxDir;
  assert.equal(fs.readdirSync(path.join(sandbox, 'many')).length, 60);
  assert.equal(fs.readFileSync(path.join(sandbox, 'file2'), 'utf8'), 'f');
  assert.equal(fs.existsSync(path.join(sandbox, 'file')), false);
  assert.ok(fs.statSync(path.join(sandbox, 'empty')).isDirectory(), 'the directory renamed over an empty one');
});
