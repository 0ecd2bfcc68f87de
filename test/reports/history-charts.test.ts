import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { resultJson } from '../../reports/formats.ts';
import { historyPoints, historySpec } from '../../reports/history.ts';
import { mergeResults } from '../../reports/merge.ts';
import { earlierNight, FIXTURES, tonight, writeNight } from './nights.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');

test('a history chart per headline figure: one point per night and machine, with its interval, verdict and threshold', () => {
  const nights = [earlierNight('2025-01-01', { p99Scale: 2.5, subMsVerdict: 'inconclusive' }), earlierNight('2025-01-02', { p99Scale: 2.6, subMsVerdict: 'inconclusive' }), tonight()].map((file) => mergeResults([file]));
  const points = historyPoints(nights).get('coldstart-sub-ms') ?? [];
  assert.deepEqual(points.map((point) => [point.at.slice(0, 10), point.machine, point.verdict]), [
    ['2025-01-01', 'linux-x64 node24', 'inconclusive'], ['2025-01-02', 'linux-x64 node24', 'inconclusive'], ['2025-01-04', 'linux-x64 node24', 'confirmed'],
  ]);
  const spec = historySpec(points);
  const values = (spec?.['data'] as { values: { value: number; low: number; high: number }[] }).values;
  assert.deepEqual(values.map((value) => value.value), [0.9, 0.936, 0.36]);
  assert.match(JSON.stringify(spec?.['layer']), /"threshold":1\b/);
  assert.equal(historySpec(points.slice(0, 1)), null, 'one night is no history');
});

test('wsb report --history DIR draws the history, takes the latest earlier night as the baseline, and skips a past result of another schema with a note', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-history-'));
  const history = path.join(dir, 'nights');
  writeNight(history, '2025-01-01', earlierNight('2025-01-01', { p99Scale: 2.5, subMsVerdict: 'inconclusive' }));
  writeNight(history, '2025-01-02', earlierNight('2025-01-02', { p99Scale: 2.6, subMsVerdict: 'inconclusive' }));
  // A night kept as the ledger alone (verdicts.json, what the nightly keeps) reads as well as a whole results.json.
  const ledgerOnly = path.join(dir, 'ledger-only');
  const wrote = await execa('node', [WSB, 'report', writeNight(dir, 'full-2025-01-03', earlierNight('2025-01-03', { p99Scale: 2.5, subMsVerdict: 'refuted' })), '--out', ledgerOnly], { reject: false });
  assert.equal(wrote.exitCode, 0, String(wrote.stderr));
  fs.mkdirSync(path.join(history, '2025-01-03'));
  fs.copyFileSync(path.join(ledgerOnly, 'verdicts.json'), path.join(history, '2025-01-03', 'verdicts.json'));
  fs.writeFileSync(path.join(history, '2024-12-31.json'), resultJson({ ...tonight(), schema: 1 }));

  const out = path.join(dir, 'site');
  const result = await execa('node', [WSB, 'report', path.join(FIXTURES, 'linux-x64'), '--history', history, '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const section = html.slice(html.indexOf('<section id="history">'), html.indexOf('id="suites"'));
  assert.match(section, /Each headline figure over 4 results \(2025-01-01 to 2025-01-04\)/);
  const charts = [...section.matchAll(/data-chart="history-([^"]+)"/g)].map((match) => match[1]);
  for (const claim of ['coldstart-sub-ms', 'throughput-100k', 'density-thousands', 'near-native']) assert.ok(charts.includes(claim), `${claim} has a history chart`);
  assert.ok(!charts.includes('secure-by-default'), 'a claim decided on outcomes has no figure to chart');
  // The baseline is the latest night before tonight: 2025-01-03, where coldstart-sub-ms was refuted.
  assert.match(html, /<span class="was">refuted<\/span> → <strong>confirmed<\/strong>/);
  assert.match(html, /1 past result\(s\) in .* have another result schema than 2 and are left out of the history: 2024-12-31\.json/);
});
