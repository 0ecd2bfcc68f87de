import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { Margin } from '../../core/results.ts';
import { compareWithBaseline, movement } from '../../reports/history.ts';
import { mergeResults } from '../../reports/merge.ts';
import { earlierNight, FIXTURES, tonight, writeNight } from './nights.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');

test('a figure moved only when its whole interval left the baseline\'s', () => {
  const margin = (value: number, low: number, high: number): Margin => ({ figure: 'L1 p99 of hello', unit: 'ns', value, low, high, interval: '95% CI', confirmsWhen: 'below', threshold: 1e6, n: 1000 });
  assert.deepEqual(movement(margin(10, 9, 11), margin(20, 18, 22))?.direction, 'down');
  assert.deepEqual(movement(margin(30, 25, 35), margin(20, 18, 22))?.direction, 'up');
  assert.equal(movement(margin(10, 9, 19), margin(20, 18, 22)), null, 'overlapping intervals are no move');
  assert.equal(movement(margin(10, 9, 11), { ...margin(20, 18, 22), figure: 'p99 of 1,000 apps' }), null, 'another figure is not compared');
  assert.equal(movement(margin(10, 9, 11), { ...margin(20, Number.NaN, Number.NaN) }), null, 'no interval, no move');
});

test('tonight against last night: the machines pair up though the host name changed; the changed verdict and the moved figure are found, the steady one is not', () => {
  const baseline = earlierNight('2025-01-03', { p99Scale: 2.5, subMsVerdict: 'inconclusive', rpsScale: 0.99 });
  const comparison = compareWithBaseline(mergeResults([tonight()]), mergeResults([baseline]));
  assert.deepEqual(comparison.changed, [{ claim: 'coldstart-sub-ms', machine: 'fixture-linux-x64', before: 'inconclusive', after: 'confirmed' }]);
  assert.deepEqual([...comparison.moved.keys()], ['coldstart-sub-ms|fixture-linux-x64']);
  assert.equal(comparison.moved.get('coldstart-sub-ms|fixture-linux-x64')?.direction, 'down');
  assert.ok(comparison.compared >= 6, `${comparison.compared} figures compared`);
  assert.deepEqual(comparison.unmatched, []);
});

test('wsb report --baseline calls the changed verdict out at the top and marks the moved figure in the headline and the ledger', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-baseline-'));
  const baseline = writeNight(dir, 'last-night', earlierNight('2025-01-03', { p99Scale: 2.5, subMsVerdict: 'inconclusive', rpsScale: 0.99 }));
  const out = path.join(dir, 'site');
  const result = await execa('node', [WSB, 'report', path.join(FIXTURES, 'linux-x64'), '--baseline', baseline, '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
  const changes = html.slice(html.indexOf('<div class="changed" id="changes">'), html.indexOf('id="headline"'));
  assert.match(changes, /1 verdict\(s\) changed since the baseline of 2025-01-03 03:17/);
  assert.match(changes, /coldstart-sub-ms<\/strong><\/a>: <span class="was">inconclusive<\/span> → <strong>confirmed<\/strong>/);
  assert.match(changes, /1 of \d+ headline figures moved beyond their interval/);
  assert.ok(html.indexOf('id="changes"') < html.indexOf('id="headline"'), 'the call-out is above the headline');
  const marks = [...html.matchAll(/<span class="moved (up|down)"[^>]*>[▲▼] was ([^<]+)<\/span>/g)].map((match) => [match[1], match[2]]);
  assert.deepEqual(marks, [['down', '900 µs (810 µs–1.03 ms)'], ['down', '900 µs (810 µs–1.03 ms)']], 'marked once in the headline and once in the ledger, nothing else');
});
