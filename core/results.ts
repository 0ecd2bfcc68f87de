/**
 * The result model every suite writes and every report reads: flat
 * measurement rows (already CSV lines and vega-lite data), outcome rows for
 * the categorical results (isolation, portability), claim verdicts, and the
 * environment recorded once per run.
 */
import type { Environment } from './environment.ts';
import type { Summary } from './stats.ts';

/** The suites, in the order `wsb bench` runs them. */
export const SUITE_NAMES = ['coldstart', 'density', 'throughput', 'isolation', 'portability'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/** Which statistic a row holds: one raw sample, or an aggregate of a cell's samples. */
export type Stat = 'sample' | 'value' | 'count' | 'min' | 'mean' | 'p50' | 'p90' | 'p99' | 'max' | 'ci95-low' | 'ci95-high' | 'p99-ci95-low' | 'p99-ci95-high';

/**
 * One measured number. Units are in `unit` (and in metric names where it
 * helps); `iteration` is the sample index for raw samples, 0 for aggregates.
 */
export interface Measurement {
  suite: SuiteName;
  /** Runner (substrate/engine) name, e.g. `wasm`, `process`, `container`. */
  runner: string;
  /** Runner configuration that changes what is measured, e.g. `pooling=on`, `profile=hardened`; `default` otherwise. */
  config: string;
  /** `cold`, `prewarmed`, `warm`, `reused`, or `-` where no lifecycle applies. */
  lifecycle: string;
  workload: string;
  /** Cold-start layer (`L0`, `L1`, `L2`, `first-load`) or the phase of the suite (`load`, `idle`, ...). */
  phase: string;
  metric: string;
  unit: string;
  stat: Stat;
  value: number;
  iteration: number;
  /** Number of distinct apps loaded when the row was measured (density curves, many-apps mixes); absent means one. */
  apps?: number;
  /** Label of the machine the row was measured on (set when results are written). */
  machine?: string;
}

/** A categorical result, for matrices such as isolation and portability. */
export interface Outcome {
  suite: SuiteName;
  runner: string;
  config: string;
  lifecycle: string;
  workload: string;
  /** What was tried: a probe name, an artifact digest, ... */
  subject: string;
  /** Under which condition: `grant=none`, `grant=dir`, an engine and platform, ... */
  condition: string;
  /** `contained`, `escaped`, `host-affected`, `not-applicable`, `match`, `mismatch`, `not-run`, ... */
  outcome: string;
  /** What was seen, in one line. */
  detail: string;
  machine?: string;
}

/** A verdict of the claims ledger. */
export type Verdict = 'confirmed' | 'refuted' | 'inconclusive' | 'not-run';

/**
 * The figure that decided a verdict, with its interval, its sample count and
 * the threshold it was held to, so that a reader can check the verdict from
 * the ledger alone: the whole interval past the threshold confirms or
 * refutes; an interval that straddles it is inconclusive.
 */
export interface Margin {
  /** What the figure is, e.g. `L1 p99 of hello`. */
  figure: string;
  /** Unit of value, low, high and threshold (`ns`, `ratio`, `bytes`, `req/s`, `apps`). */
  unit: string;
  value: number;
  /** 95% interval of the figure (or the stated range: see `interval`). */
  low: number;
  high: number;
  /** How the interval was obtained, e.g. `order statistics`, `bootstrap`, `range of 3 rounds`, `exact`. */
  interval: string;
  /** Which side of the threshold the claim says the figure is on. */
  confirmsWhen: 'below' | 'at-least' | 'within';
  threshold: number;
  /** Upper end of the range, for `within`. */
  thresholdHigh?: number;
  /** Samples behind the figure. */
  n: number;
}

/** The same claim judged on one more Wasm engine's representative, beside the headline (never deciding it). */
export interface EngineVerdict {
  /** The judged cell, e.g. `wasm-wasmtime[pooling=on]/cold`. */
  judged: string;
  runner: string;
  verdict: Verdict;
  reason: string;
  margin?: Margin;
}

/** A claim with its verdict, the threshold applied and the rows behind it. */
export interface ClaimVerdict {
  id: string;
  verdict: Verdict;
  /** Why this verdict, in a sentence or two, with the figures. */
  reason: string;
  /** What was measured to decide it. */
  measured: string;
  /** The threshold applied, stated next to the verdict. */
  threshold: string;
  /** The summary rows the verdict rests on. */
  evidence: Measurement[];
  /** The one declared representative cell the verdict judged, e.g. `wasm[pooling=on]/cold` (`-` when nothing was judged). */
  judged?: string;
  /** The deciding figure, its interval, n and threshold (absent when no figure decided: not-run, or a categorical claim). */
  margin?: Margin;
  /** The claim judged on every other Wasm engine's representative that ran. */
  engines?: EngineVerdict[];
  machine?: string;
}

/** The result file format this code writes and reads. */
export const RESULT_SCHEMA = 2;

/** The content of `results.json`. */
export interface ResultFile {
  /** Format version, bumped when the shape changes incompatibly (2: `reused` lifecycle, p99 gated at 100 samples, verdict margins). */
  schema: typeof RESULT_SCHEMA;
  environment: Environment;
  claims: ClaimVerdict[];
  measurements: Measurement[];
  outcomes: Outcome[];
  /** Per-suite status: what ran, what failed and why. */
  suites: SuiteStatus[];
}

/** How a suite's run ended; one broken suite never loses the others' data. */
export interface SuiteStatus {
  suite: SuiteName;
  status: 'ok' | 'failed' | 'skipped' | 'aborted';
  detail: string;
  durationMs: number;
  /** What the suite's plan said it would take, ms (absent for suites that did not plan). */
  plannedMs?: number;
}

/** The identity of a measured cell, shared by all its rows. */
export type CellKey = Pick<Measurement, 'suite' | 'runner' | 'config' | 'lifecycle' | 'workload' | 'phase' | 'metric' | 'unit'> & { apps?: number };

/** Raw sample rows for a cell, one per value. */
export function sampleRows(key: CellKey, values: ArrayLike<number>): Measurement[] {
  const rows: Measurement[] = [];
  for (let i = 0; i < values.length; i++) rows.push({ ...key, stat: 'sample', value: values[i] as number, iteration: i });
  return rows;
}

/**
 * Aggregate rows for a cell: count, min, mean, p50, p90, p99, max, the
 * median's CI and the p99's. A statistic the summary left out (a p99 from
 * fewer than 100 samples) gets no row.
 */
export function summaryRows(key: CellKey, summary: Summary): Measurement[] {
  const stats: [Stat, number][] = [
    ['count', summary.count],
    ['min', summary.min],
    ['mean', summary.mean],
    ['p50', summary.p50],
    ['p90', summary.p90],
    ['p99', summary.p99],
    ['max', summary.max],
    ['ci95-low', summary.ci95Low],
    ['ci95-high', summary.ci95High],
    ['p99-ci95-low', summary.p99Ci95Low],
    ['p99-ci95-high', summary.p99Ci95High],
  ];
  return stats.filter(([, value]) => Number.isFinite(value)).map(([stat, value]) => ({ ...key, stat, value, iteration: 0 }));
}

/** A single-valued row (a size, a count, a ratio). */
export function valueRow(key: CellKey, value: number): Measurement {
  return { ...key, stat: 'value', value, iteration: 0 };
}

/** Finds the row of a cell's statistic, if any. */
export function findRow(rows: readonly Measurement[], key: Partial<Measurement>): Measurement | undefined {
  return rows.find((row) => Object.entries(key).every(([field, expected]) => (row as unknown as Record<string, unknown>)[field] === expected));
}

/**
 * Collects the rows of a run as they are produced, so that a crash or Ctrl-C
 * keeps everything gathered so far.
 */
export class ResultCollector {
  readonly measurements: Measurement[] = [];
  readonly outcomes: Outcome[] = [];
  readonly claims = new Map<string, ClaimVerdict>();
  readonly suites: SuiteStatus[] = [];

  /** Appends measurement rows. */
  record(rows: Measurement | readonly Measurement[]): void {
    if (Array.isArray(rows)) this.measurements.push(...(rows as Measurement[]));
    else this.measurements.push(rows as Measurement);
  }

  /** Appends outcome rows. */
  recordOutcomes(rows: readonly Outcome[]): void {
    this.outcomes.push(...rows);
  }

  /** Sets (or replaces) a claim's verdict. */
  decide(verdict: ClaimVerdict): void {
    this.claims.set(verdict.id, verdict);
  }
}
