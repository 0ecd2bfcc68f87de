import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramPercentile, medianCi95OfSorted, percentile, ratioOfMedians, summarize } from '../../core/stats.ts';

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
