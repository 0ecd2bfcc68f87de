import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPRESENTATIVE_RULE } from '../../core/claims.ts';
import { readResultFile } from '../../reports/formats.ts';
import { formatLedger } from '../../cli/tables.ts';

const linux = readResultFile(path.resolve(import.meta.dirname, '../reports/fixtures/linux-x64'));

test('the console ledger gives every verdict its judged cell, deciding figure with interval, n and threshold, and the other engines, under the rule', () => {
  const text = formatLedger(linux);
  assert.ok(text.replace(/\s+/g, ' ').includes(`The rule: ${REPRESENTATIVE_RULE}`));
  const lines = text.split('\n');
  const header = lines.find((line) => line.startsWith('claim '));
  assert.match(header ?? '', /^claim\s+verdict\s+judged cell\s+deciding figure \(interval, n\) vs threshold\s+other Wasm engines$/);
  const line = (id: string): string => lines.find((candidate) => candidate.startsWith(`${id} `)) ?? '';
  assert.match(line('coldstart-sub-ms'), /confirmed\s+wasm\[pooling=on\]\/cold\s+L1 p99 of hello 360 µs \(95% CI \(order statistics\) 324 µs-414 µs, n=1000\) vs < 1 ms\s+wasm-wasmtime refuted 5\.4 ms; wasm-wazero inconclusive$/);
  assert.match(line('throughput-100k'), /9,000 req\/s \(range of 3 interleaved rounds 8,640 req\/s-9,270 req\/s, n=3\) vs >= 100,000 req\/s/);
  // A verdict decided on outcomes has no figure: its reason's first sentence stands in.
  assert.match(line('secure-by-default'), /confirmed\s+wasm\[pooling=on\]\/cold\s+fixture reason for secure-by-default/);
  const start = lines.indexOf(header as string) + 2;
  assert.deepEqual(lines.slice(start, lines.indexOf('', start)).map((row) => row.split(' ')[0]), linux.claims.map((claim) => claim.id));
});
