import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { conformanceFamily } from './conformance-cases.ts';

const run = conformanceFamily('rights');

test('rights: what a directory without the rights was refused did not happen on the host', () => {
  const dir = path.join(run().sandboxDir, 'd');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['g']);
  assert.equal(fs.readFileSync(path.join(run().sandboxDir, 'f'), 'utf8'), 'Data', 'the write-only descriptor wrote; the read-only and dropped ones did not');
});
