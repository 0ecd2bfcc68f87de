import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctCoordinatedOmission, histogramPercentile, medianCi95OfSorted, percentile, quantileCi95OfSorted, ratioOfMedians, slopeWithCi95, summarize } from '../../core/stats.ts';
import { summaryRows } from '../../core/results.ts';

test('percentiles interpolate between closest ranks', () => {
  const values = [5, 1, 4, 2, 3];
  assert.equal(percentile(values, 0.5), 3);
  assert.equal(percentile(values, 0), 1);
  assert.equal(percentile(values, 1), 5);
  assert.equal(percentile([10, 20], 0.5), 15);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('summary of 1..100 has the expected order statistics', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  const summary = summarize(values);
  assert.equal(summary.count, 100);
  assert.equal(summary.min, 1);
  assert.equal(summary.max, 100);
  assert.equal(summary.p50, 50.5);
  assert.ok(Math.abs(summary.p99 - 99.01) < 1e-9);
  assert.ok(summary.ci95Low < summary.p50 && summary.p50 < summary.ci95High);
  // For n=100 the textbook order-statistic interval spans ranks 40..61.
  assert.equal(summary.ci95Low, 40);
  assert.equal(summary.ci95High, 61);
});

test('the median interval is absent below six samples', () => {
  const [low, high] = medianCi95OfSorted([1, 2, 3]);
  assert.ok(Number.isNaN(low) && Number.isNaN(high));
});

test('ratio of medians brackets the true ratio', () => {
  const a = Array.from({ length: 200 }, (_, i) => 100 + (i % 10));
  const b = Array.from({ length: 200 }, (_, i) => 50 + (i % 10) / 2);
  const estimate = ratioOfMedians(a, b);
  assert.ok(Math.abs(estimate.ratio - 2) < 0.05);
  assert.ok(estimate.ci95Low <= estimate.ratio && estimate.ratio <= estimate.ci95High);
});

test('percentiles of a bucketed histogram take the nearest rank', () => {
  const buckets: [number, number][] = [[3, 1], [1, 50], [2, 48], [100, 1]];
  assert.equal(histogramPercentile(buckets, 0.5), 1);
  assert.equal(histogramPercentile(buckets, 0.51), 2);
  assert.equal(histogramPercentile(buckets, 0.99), 3);
  assert.equal(histogramPercentile(buckets, 1), 100);
  assert.ok(Number.isNaN(histogramPercentile([], 0.5)));
});

test('no p99 (nor its interval) is written from fewer than 100 samples, and no p90 from fewer than 10', () => {
  const few = summarize(Array.from({ length: 99 }, (_, i) => i));
  assert.ok(Number.isNaN(few.p99) && Number.isNaN(few.p99Ci95Low) && Number.isNaN(few.p99Ci95High));
  assert.ok(Number.isFinite(few.p90));
  assert.ok(Number.isNaN(summarize([1, 2, 3, 4, 5, 6, 7, 8, 9]).p90));
  const rows = summaryRows({ suite: 'coldstart', runner: 'r', config: 'c', lifecycle: 'cold', workload: 'w', phase: 'L1', metric: 'duration', unit: 'ns' }, few);
  assert.equal(rows.some((row) => row.stat === 'p99'), false, 'a p99 row from 99 samples');
  assert.ok(Number.isFinite(summarize(Array.from({ length: 100 }, (_, i) => i)).p99));
});

test('the p99 interval of 1..1000 spans ranks 983..998 (order statistics), and needs several hundred samples', () => {
  const values = Array.from({ length: 1000 }, (_, i) => i + 1);
  const [low, high] = quantileCi95OfSorted(values, 0.99);
  // n q = 990, 1.96 sqrt(n q (1-q)) = 6.17: ranks floor(983.8) = 983 and ceil(997.2) = 998.
  assert.equal(low, 983);
  assert.equal(high, 998);
  const [noLow, noHigh] = quantileCi95OfSorted(Array.from({ length: 200 }, (_, i) => i), 0.99);
  assert.ok(Number.isNaN(noLow) && Number.isNaN(noHigh), '200 samples cannot bound a p99 from above');
});

test('the slope of a straight line is exact, and noise widens its interval', () => {
  const xs = [10, 100, 1000, 2000];
  const exact = slopeWithCi95(xs, xs.map((x) => 5000 + 80 * x));
  assert.ok(Math.abs(exact.slope - 80) < 1e-9);
  assert.ok(Math.abs(exact.ci95High - exact.ci95Low) < 1e-6);
  const noisy = slopeWithCi95(xs, xs.map((x, i) => 5000 + 80 * x + (i % 2 ? 20_000 : -20_000)));
  assert.ok(noisy.ci95Low < noisy.slope && noisy.slope < noisy.ci95High);
  assert.ok(Number.isNaN(slopeWithCi95([1, 2], [3, 4]).ci95Low), 'two points give a slope but no interval');
});

test('coordinated omission: a response slower than the send interval adds the requests it held back', () => {
  assert.deepEqual(correctCoordinatedOmission([1, 35], 10), [1, 35, 25, 15]);
  assert.deepEqual(correctCoordinatedOmission([9], 10), [9]);
});
