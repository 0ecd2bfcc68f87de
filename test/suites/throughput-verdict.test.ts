import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from '../../core/results.ts';
import { decideThroughput } from '../../suites/throughput/verdict.ts';

const row = (runner: string, value: number, config = 'default', lifecycle = 'cold'): Measurement => ({
  suite: 'throughput', runner, config, lifecycle, workload: 'hello', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value, iteration: 0,
});

test('a ceiling below 100k makes the verdict inconclusive, with per-core figures', () => {
  const verdict = decideThroughput([row('front-noop', 20_000), row('loadgen-ceiling', 50_000), row('wasm', 15_000)], 2);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /10,000 req\/s per core/);
  assert.match(verdict.reason, /about 10 cores/);
  assert.equal(verdict.evidence.length, 3);
});

test('a Wasm cell at 100k or more confirms', () => {
  assert.equal(decideThroughput([row('front-noop', 300_000), row('wasm', 120_000)], 16).verdict, 'confirmed');
});

test('a ceiling above 100k with Wasm below refutes', () => {
  assert.equal(decideThroughput([row('front-noop', 300_000), row('wasm', 60_000), row('process', 200_000)], 16).verdict, 'refuted');
});

test('without a Wasm cell the claim is not-run', () => {
  assert.equal(decideThroughput([row('front-noop', 30_000)], 2).verdict, 'not-run');
});

test('the median of several rounds is used', () => {
  const verdict = decideThroughput([row('front-noop', 300_000), row('wasm', 90_000), row('wasm', 110_000), row('wasm', 130_000)], 16);
  assert.equal(verdict.verdict, 'confirmed');
});

test('the spin calibration is named beside the best cell and is never taken for a cell', () => {
  const verdict = decideThroughput([row('front-noop', 20_000), row('front-spin', 18_000, 'spin=5us', '-'), row('front-spin', 9_000, 'spin=20us', '-'), row('wasm', 6_000)], 2);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /best Wasm cell wasm\[default\]\/cold: 6,000 req\/s \(30% of the no-op front's 20,000 req\/s; the no-op route with a fixed CPU spin keeps 90% at 5us, 45% at 20us\)/);
  assert.equal(decideThroughput([row('front-noop', 20_000), row('front-spin', 18_000, 'spin=5us', '-')], 2).verdict, 'not-run');
});
