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
  /** 95% confidence interval of the p99 (NaN where the p99 is not written). */
  p99Ci95Low: number;
  p99Ci95High: number;
}

/** No p99 is written from fewer samples than this (DESIGN.md section 4): below it the p99 is the maximum or close to it. */
export const MIN_SAMPLES_FOR_P99 = 100;

/** No p90 is written from fewer samples than this. */
export const MIN_SAMPLES_FOR_P90 = 10;

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

/**
 * Distribution-free 95% confidence interval of the quantile `q` from order
 * statistics: ranks nq -+ 1.96*sqrt(nq(1-q)) (normal approximation of the
 * binomial). NaN when either rank falls outside the sample: too few samples
 * to bound that quantile.
 */
export function quantileCi95OfSorted(sortedValues: ArrayLike<number>, q: number): [number, number] {
  const n = sortedValues.length;
  const half = 1.959964 * Math.sqrt(n * q * (1 - q));
  const lowRank = Math.floor(n * q - half);
  const highRank = Math.ceil(n * q + half + 1);
  if (n === 0 || lowRank < 1 || highRank > n) return [Number.NaN, Number.NaN];
  return [sortedValues[lowRank - 1] as number, sortedValues[highRank - 1] as number];
}

/**
 * Summarises a sample: count, min, mean, p50, p90, p99, max, the median's
 * 95% CI and the p99's. The p99 (and its interval) is NaN below
 * {@link MIN_SAMPLES_FOR_P99} samples and the p90 below
 * {@link MIN_SAMPLES_FOR_P90}: a tail quantile from a handful of samples is
 * the maximum under another name.
 */
export function summarize(values: ArrayLike<number>): Summary {
  const s = sorted(values);
  const n = s.length;
  let total = 0;
  for (const v of s) total += v;
  const [ci95Low, ci95High] = medianCi95OfSorted(s);
  const [p99Ci95Low, p99Ci95High] = n >= MIN_SAMPLES_FOR_P99 ? quantileCi95OfSorted(s, 0.99) : [Number.NaN, Number.NaN];
  return {
    count: n,
    min: n ? (s[0] as number) : Number.NaN,
    mean: n ? total / n : Number.NaN,
    p50: percentileOfSorted(s, 0.5),
    p90: n >= MIN_SAMPLES_FOR_P90 ? percentileOfSorted(s, 0.9) : Number.NaN,
    p99: n >= MIN_SAMPLES_FOR_P99 ? percentileOfSorted(s, 0.99) : Number.NaN,
    max: n ? (s[n - 1] as number) : Number.NaN,
    ci95Low,
    ci95High,
    p99Ci95Low,
    p99Ci95High,
  };
}

/**
 * Ordinary least-squares slope of y on x with its 95% confidence interval
 * (Student's t with n-2 degrees of freedom): memory per app from the steps
 * of a density ramp rather than from one step. NaN interval below 3 points.
 */
export function slopeWithCi95(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number; ci95Low: number; ci95High: number; n: number } {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, ci95Low: Number.NaN, ci95High: Number.NaN, n };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  if (n < 3) return { slope, intercept, ci95Low: Number.NaN, ci95High: Number.NaN, n };
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const residual = (ys[i] as number) - (intercept + slope * (xs[i] as number));
    sse += residual * residual;
  }
  const standardError = Math.sqrt(sse / (n - 2) / sxx);
  const t = studentT975(n - 2);
  return { slope, intercept, ci95Low: slope - t * standardError, ci95High: slope + t * standardError, n };
}

/** Two-sided 95% quantile of Student's t (table for small df, normal beyond). */
export function studentT975(df: number): number {
  const table = [Number.NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
  if (df < 1) return Number.NaN;
  if (df < table.length) return table[df] as number;
  if (df < 30) return 2.06;
  if (df < 60) return 2.02;
  return 1.96;
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

/**
 * Coordinated-omission correction, as HdrHistogram's
 * recordValueWithExpectedInterval does it: a response that took longer than
 * the interval at which its connection meant to send held back the requests
 * due meanwhile, so each of those is added with the latency it would have
 * seen (the value minus one, two, ... intervals, down to the interval).
 */
export function correctCoordinatedOmission(values: readonly number[], intervalValue: number): number[] {
  const corrected: number[] = [];
  for (const value of values) {
    corrected.push(value);
    if (!(intervalValue > 0)) continue;
    for (let missed = value - intervalValue; missed >= intervalValue; missed -= intervalValue) corrected.push(missed);
  }
  return corrected;
}
