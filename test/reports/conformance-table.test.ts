import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Outcome } from '../../core/results.ts';
import { conformanceTable } from '../../reports/conformance-table.ts';

const row = (subject: string, runner: string, outcome: string, detail: string): Outcome => ({
  suite: 'portability', runner, config: 'default', lifecycle: 'cold', workload: subject, subject, condition: 'conformance', outcome, detail, machine: 'linux-x64',
});

test('the conformance table has a row per program and a column per machine and engine, the detail as the tooltip', () => {
  const html = conformanceTable([
    row('wasi-links', 'wasm', 'pass', '92/92 cases as the specification allows'),
    row('wasi-links', 'wasm-wazero', 'fail', '80/92 cases as the specification allows; open-symlink-target-above-grant: got SUCCESS, expected NOENT|NOTCAPABLE|PERM'),
    row('wasi-files', 'wasm', 'pass', '116/116 cases as the specification allows'),
    { ...row('wasi-files', 'wasm', 'match', 'not a conformance row'), condition: 'engine=wasm' },
  ]);
  assert.match(html, /<th>linux-x64 · wasm<\/th><th>linux-x64 · wasm-wazero<\/th>/);
  assert.match(html, /<tr><th>wasi-files<\/th><td style="[^"]*" title="116\/116 cases as the specification allows">pass<\/td><td>-<\/td><\/tr>/);
  assert.match(html, /title="80\/92 cases[^"]*got SUCCESS, expected NOENT\|NOTCAPABLE\|PERM">fail<\/td>/);
  assert.doesNotMatch(html, /not a conformance row/);
});

test('no conformance rows: no table', () => {
  assert.equal(conformanceTable([]), '');
});
