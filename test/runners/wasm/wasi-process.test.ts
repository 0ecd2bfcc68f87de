import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { conformanceFamily } from './conformance-cases.ts';

const run = conformanceFamily('process');

test('process: writes to stderr renumbered over a file descriptor went to stderr, not to the file', () => {
  assert.equal(fs.readFileSync(path.join(run().sandboxDir, 'stdio'), 'utf8'), '');
});
