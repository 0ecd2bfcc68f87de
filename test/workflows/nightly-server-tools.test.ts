import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const nightly = fs.readFileSync(path.resolve(import.meta.dirname, '../../.github/workflows/nightly.yml'), 'utf8');
const benchJob = nightly.slice(nightly.indexOf('  bench:'), nightly.indexOf('  report:'));

test('nightly keeps wasmtime-cli in a cache and installs Spin before the bench, so the report has wasmtime serve and Spin rows', () => {
  assert.match(benchJob, /uses: actions\/cache@v\d[\s\S]*path: ~\/\.cache\/wsb-tools[\s\S]*key: wsb-tools-[^\n]*wasmtime-cli-48\.0\.8/);
  assert.match(benchJob, /uses: fermyon\/actions\/spin\/setup@v1/);
  const bench = benchJob.indexOf('npm run bench');
  for (const step of ['actions/cache@', 'fermyon/actions/spin/setup@', '--engines-only']) assert.ok(benchJob.indexOf(step) < bench, `${step} before the bench`);
  // The cache is restored before setup.sh looks for the binary, or every night would rebuild it.
  assert.ok(benchJob.indexOf('actions/cache@') < benchJob.indexOf('--engines-only'));
});
