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
