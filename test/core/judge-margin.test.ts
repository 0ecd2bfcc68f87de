import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeMargin } from '../../core/claims.ts';
import type { Margin } from '../../core/results.ts';

const margin = (low: number, high: number, extra: Partial<Margin> = {}): Margin => ({ figure: 'f', unit: 'ns', value: (low + high) / 2, low, high, interval: '95% CI', confirmsWhen: 'below', threshold: 100, n: 1000, ...extra });

test('below: the whole interval under the threshold confirms, wholly at or over refutes, straddling is inconclusive', () => {
  assert.equal(judgeMargin(margin(10, 99)).verdict, 'confirmed');
  assert.equal(judgeMargin(margin(100, 150)).verdict, 'refuted');
  assert.equal(judgeMargin(margin(90, 110)).verdict, 'inconclusive');
  assert.equal(judgeMargin(margin(90, 100)).verdict, 'inconclusive', 'an interval touching the threshold is not wholly below it');
});

test('at-least: mirrored', () => {
  assert.equal(judgeMargin(margin(100, 200, { confirmsWhen: 'at-least' })).verdict, 'confirmed');
  assert.equal(judgeMargin(margin(10, 99, { confirmsWhen: 'at-least' })).verdict, 'refuted');
  assert.equal(judgeMargin(margin(50, 150, { confirmsWhen: 'at-least' })).verdict, 'inconclusive');
});

test('within a range: inside confirms, outside refutes, across an end is inconclusive', () => {
  const range = { confirmsWhen: 'within' as const, threshold: 10, thresholdHigh: 100 };
  assert.equal(judgeMargin(margin(20, 60, range)).verdict, 'confirmed');
  assert.equal(judgeMargin(margin(150, 400, range)).verdict, 'refuted');
  assert.equal(judgeMargin(margin(2, 8, range)).verdict, 'refuted');
  assert.equal(judgeMargin(margin(60, 140, range)).verdict, 'inconclusive');
});

test('too few samples, or no interval, is inconclusive whatever the point estimate', () => {
  assert.equal(judgeMargin(margin(10, 20, { n: 99 }), 100).verdict, 'inconclusive');
  assert.match(judgeMargin(margin(10, 20, { n: 99 }), 100).why, /99 sample/);
  assert.equal(judgeMargin(margin(Number.NaN, Number.NaN, { value: 1 })).verdict, 'inconclusive');
});

test('an unbounded end still decides where the other end is past the threshold (a ratio over a reading of 0)', () => {
  assert.equal(judgeMargin(margin(700, Number.POSITIVE_INFINITY, { confirmsWhen: 'at-least', threshold: 10 })).verdict, 'confirmed');
  assert.equal(judgeMargin(margin(5, Number.POSITIVE_INFINITY, { confirmsWhen: 'at-least', threshold: 10 })).verdict, 'inconclusive');
});
