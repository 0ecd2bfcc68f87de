import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { conformanceFamily } from './conformance-cases.ts';

const run = conformanceFamily('files');

test('files: times set by the guest are on the host file to the nanosecond', () => {
  const stat = fs.statSync(path.join(run().sandboxDir, 't'), { bigint: true });
  assert.equal(stat.mtimeNs, 1100000000987654321n);
  assert.equal(stat.atimeNs, 1100000000987654321n);
});

test('files: an append-mode write went to the end, and O_TRUNC emptied the file', () => {
  assert.equal(fs.statSync(path.join(run().sandboxDir, 'a')).size, 0);
  assert.equal(fs.existsSync(path.join(run().sandboxDir, 'f')), false);
});
