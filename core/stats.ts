/**
 * The one statistics module: percentiles, the confidence interval of the
 * median, and ratios between cells. Pure functions over arrays of numbers.
 */

/** A distribution summarised the way every timing in the suite is reported. */
export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Lower bound of the 95% confidence interval of the median (NaN below 6 samples). */
  ci95Low: number;
  /** Upper bound of the 95% confidence interval of the median (NaN below 6 samples). */
  ci95High: number;
}

/** Sorted copy, ascending (a typed array sorts numerically). */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/**
 * Percentile `q` (0..1) of already sorted values, linear interpolation between
 * closest ranks (the method numpy calls "linear"), NaN when empty.
 */
export function percentileOfSorted(sortedValues: ArrayLike<number>, q: number): number {
  const n = sortedValues.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * Math.min(1, Math.max(0, q));
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sortedValues[lower] as number;
  const high = sortedValues[upper] as number;
  return low + (high - low) * (position - lower);
}

/** Percentile `q` (0..1) of unsorted values. */
export function percentile(values: ArrayLike<number>, q: number): number {
  return percentileOfSorted(sorted(values), q);
}

/**
 * Distribution-free 95% confidence interval of the median from order
 * statistics: ranks n/2 -+ 1.96*sqrt(n)/2 (normal approximation of the
 * binomial), which needs no resampling and holds for any distribution.
 */
export function medianCi95OfSorted(sortedValues: ArrayLike<number>): [number, number] {
  const n = sortedValues.length;
  if (n < 6) return [Number.NaN, Number.NaN];
  const half = (1.959964 * Math.sqrt(n)) / 2;
  const lowRank = Math.max(1, Math.floor(n / 2 - half));
  const highRank = Math.min(n, Math.ceil(n / 2 + half + 1));
  return [sortedValues[lowRank - 1] as number, sortedValues[highRank - 1] as number];
}

/** Summarises a sample: count, min, mean, p50, p90, p99, max and the median's 95% CI. */
export function summarize(values: ArrayLike<number>): Summary {
  const s = sorted(values);
  const n = s.length;
  let total = 0;
  for (const v of s) total += v;
  const [ci95Low, ci95High] = medianCi95OfSorted(s);
  return {
    count: n,
    min: n ? (s[0] as number) : Number.NaN,
    mean: n ? total / n : Number.NaN,
    p50: percentileOfSorted(s, 0.5),
    p90: percentileOfSorted(s, 0.9),
    p99: percentileOfSorted(s, 0.99),
    max: n ? (s[n - 1] as number) : Number.NaN,
    ci95Low,
    ci95High,
  };
}

/** A small deterministic PRNG (mulberry32) so that bootstrap intervals are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The ratio of two medians with a percentile-bootstrap 95% confidence interval. */
export interface RatioEstimate {
  ratio: number;
  ci95Low: number;
  ci95High: number;
}

/**
 * Ratio median(numerator) / median(denominator) with a 95% bootstrap interval
 * (resampling both samples independently), for ratios between two cells
 * measured in the same run.
 */
export function ratioOfMedians(
  numerator: readonly number[],
  denominator: readonly number[],
  resamples = 2000,
  seed = 1,
): RatioEstimate {
  const ratio = percentile(numerator, 0.5) / percentile(denominator, 0.5);
  if (numerator.length < 2 || denominator.length < 2) {
    return { ratio, ci95Low: Number.NaN, ci95High: Number.NaN };
  }
  const random = seededRandom(seed);
  const draw = (values: readonly number[]): number => {
    const sample = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(random() * values.length)] as number;
    sample.sort();
    return percentileOfSorted(sample, 0.5);
  };
  const ratios = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) ratios[i] = draw(numerator) / draw(denominator);
  ratios.sort();
  return { ratio, ci95Low: percentileOfSorted(ratios, 0.025), ci95High: percentileOfSorted(ratios, 0.975) };
}

/**
 * Percentile `q` (0..1) of a histogram of `[value, count]` buckets (a load
 * generator's bucketed latencies): the smallest bucket value with at least
 * q of all counts at or below it (nearest rank), NaN when empty.
 */
export function histogramPercentile(buckets: readonly (readonly [number, number])[], q: number): number {
  const ordered = [...buckets].filter(([, count]) => count > 0).sort((a, b) => a[0] - b[0]);
  const total = ordered.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * total));
  let seen = 0;
  for (const [value, count] of ordered) {
    seen += count;
    if (seen >= rank) return value;
  }
  return ordered[ordered.length - 1]![0];
}
