/**
 * The headline's charts: one per claim family, the substrates side by side
 * on one axis, the declared representatives only (reports/variants.ts), so
 * the first screen answers "faster, denser, more throughput, safer?" with
 * the cells that decide the claims. Each is a pure function from rows to a
 * vega-lite spec, or null when its rows are absent.
 */
import { isWasmRunner, REFERENCE_WASM_RUNNER } from '../core/representatives.ts';
import type { Measurement, Outcome } from '../core/results.ts';
import { slopeWithCi95 } from '../core/stats.ts';
import { base, logAxis, logInterval, OUTCOME_COLOURS, type VegaLiteSpec } from './charts.ts';
import { pivotStats, round, scaled, selectRows } from './rows.ts';
import { isVariant } from './variants.ts';

/** Width of a headline chart's plot, to fit three cards across 1280 pixels. */
const PLOT_WIDTH = 230;
/** Height of one substrate's row, shared by the machines' dots (each gets an offset). */
const ROW_HEIGHT = 22;
const GIB = 2 ** 30;

/** The workload every headline figure uses: the minimal one, as the verdicts do. */
const HEADLINE_WORKLOAD = 'hello';

/** Substrate kinds and their colours, when one machine is shown (several machines are coloured by machine). */
const KIND_COLOURS: Record<string, string> = { Wasm: '#1565c0', process: '#6d4c41', container: '#00838f', other: '#757575' };

/** The kind of a substrate, for its colour. */
function kindOf(runner: string): string {
  if (isWasmRunner(runner)) return 'Wasm';
  if (runner.startsWith('process')) return 'process';
  if (runner.startsWith('container')) return 'container';
  return 'other';
}

/** Substrates in reading order: the reference runtime, other Wasm engines, processes, containers. */
function substrateRank(runner: string): number {
  if (runner === REFERENCE_WASM_RUNNER) return 0;
  return ['Wasm', 'process', 'container', 'other'].indexOf(kindOf(runner)) + 1;
}

/** The substrates of some records, sorted for the y axis. */
function substrateSort(values: readonly { substrate: string; runner: string }[]): string[] {
  const order = new Map<string, [number, string]>();
  for (const value of values) order.set(value.substrate, [substrateRank(value.runner), value.substrate]);
  return [...order.values()].sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1])).map(([, name]) => name);
}

/** How records are coloured: by machine when there are several, else by substrate kind. */
function colourOf(values: readonly { machine: string }[]): Record<string, unknown> {
  const machines = new Set(values.map((value) => value.machine));
  if (machines.size > 1) return { field: 'machine', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 160, labelFontSize: 10, symbolSize: 50, padding: 0, offset: 4 } };
  return { field: 'kind', type: 'nominal', scale: { domain: Object.keys(KIND_COLOURS), range: Object.values(KIND_COLOURS) }, legend: null };
}

/** A substrate on the y axis, one row each (and one offset per machine). */
function substrateAxis(values: readonly { substrate: string; runner: string }[]): Record<string, unknown> {
  return { field: 'substrate', type: 'nominal', title: null, sort: substrateSort(values), axis: { labelLimit: 110 } };
}

/** The band step of the y axis: one substrate's row split between the machines (vega-lite gives each offset a step). */
function rowStep(values: readonly { machine: string }[]): number {
  const machines = new Set(values.map((value) => value.machine)).size;
  return machines > 1 ? Math.max(5, Math.floor(ROW_HEIGHT / machines)) : ROW_HEIGHT - 6;
}

/** The rows of the workload the headline uses (the first one present when hello is absent). */
function ofHeadlineWorkload<T extends { workload: string }>(rows: readonly T[]): T[] {
  const workload = rows.some((row) => row.workload === HEADLINE_WORKLOAD) ? HEADLINE_WORKLOAD : rows[0]?.workload;
  return rows.filter((row) => row.workload === workload);
}

/** A log x axis that stays legible in a small chart: few labels, none overlapping, large numbers as 1k, 10k. */
function headlineLogAxis(field: string, title: string, format = '~s'): Record<string, unknown> {
  return { ...logAxis(field, title), axis: { labelOverlap: 'greedy', tickCount: 5, format, labelFontSize: 10, titleFontSize: 10.5, titlePadding: 2 } };
}

/** A figure of a headline chart: a substrate's value with its interval (either end may be missing). */
type Figure = Record<string, unknown> & { machine: string; substrate: string; runner: string; value: number; low: number | null; high: number | null };

/**
 * A dot with its interval (a rule), per substrate, on a log axis; `extra`
 * layers go underneath. A figure not above 0 cannot sit on the log axis: it
 * is left out and counted in the subtitle; an interval with an end not above
 * 0 is not drawn (the tooltip keeps it).
 */
function dotAndInterval(figures: readonly Figure[], axisTitle: string, tooltip: readonly string[], extra: readonly object[] = [], tick?: string, format = '~s'): VegaLiteSpec {
  const values = figures.filter((figure) => figure.value > 0).map((figure) => ({ ...figure, ...logInterval('ruleLow', 'ruleHigh', figure.low, figure.high) }));
  const y = substrateAxis(values);
  const yOffset = { field: 'machine', type: 'nominal' };
  const color = colourOf(values);
  const x = (field: string): Record<string, unknown> => headlineLogAxis(field, axisTitle, format);
  return {
    ...base(null, values, figures.length - values.length),
    width: PLOT_WIDTH,
    height: { step: rowStep(values) },
    layer: [
      ...extra,
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset, x: x('ruleLow'), x2: { field: 'ruleHigh' }, color } },
      { mark: { type: 'point', filled: true, size: 55, opacity: 1 }, encoding: { y, yOffset, x: x('value'), color, tooltip: tooltip.map((field) => ({ field })) } },
      ...(tick ? [{ mark: { type: 'tick', thickness: 2, size: 11, opacity: 1 }, encoding: { y, yOffset, x: x(tick), color, tooltip: tooltip.map((field) => ({ field })) } }] : []),
    ],
  };
}

/** A vertical rule at a fixed value of the x axis (a threshold), with its label in the legend-free caption. */
function thresholdRule(value: number, colour: string): object {
  return { mark: { type: 'rule', strokeDash: [5, 3], color: colour, strokeWidth: 1.5 }, encoding: { x: { datum: value, type: 'quantitative', scale: { type: 'log' } } } };
}

/**
 * Cold start per substrate: L1 (request in to complete response out, a
 * fresh instance) of hello, the representatives' cold cells; dot = median,
 * bar = its 95% CI, tick = p99 (only from 100 samples or more), log axis,
 * dashed line at 1 ms.
 */
export function coldStartHeadlineSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const cold = ofHeadlineWorkload(selectRows(rows, { suite: 'coldstart', phase: 'L1', metric: 'duration' }).filter((row) => row.lifecycle === 'cold' && !isVariant(row)));
  const values = pivotStats(cold, ['p50', 'p99', 'ci95-low', 'ci95-high', 'count']).filter((cell) => (cell.stats.p50 ?? 0) > 0).map((cell) => ({
    machine: cell.machine,
    substrate: cell.row.runner,
    runner: cell.row.runner,
    kind: kindOf(cell.row.runner),
    config: cell.row.config,
    value: round(scaled(cell.stats.p50 as number, 'ns')),
    low: cell.stats['ci95-low'] === undefined ? null : round(scaled(cell.stats['ci95-low'], 'ns')),
    high: cell.stats['ci95-high'] === undefined ? null : round(scaled(cell.stats['ci95-high'], 'ns')),
    p99: cell.stats.p99 === undefined ? null : round(scaled(cell.stats.p99, 'ns')),
    n: cell.stats.count ?? null,
  }));
  if (!values.length) return null;
  return dotAndInterval(values, 'L1 ms, log (dashed: 1 ms)', ['machine', 'substrate', 'config', 'value', 'low', 'high', 'p99', 'n'], [thresholdRule(1, '#c62828')], 'p99', '~g');
}

/** Idle memory of one pre-warmed slot per substrate: the median of the readings (dot) and their range (bar), log axis. */
export function idleHeadlineSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const idle = ofHeadlineWorkload(selectRows(rows, { suite: 'coldstart', phase: 'idle', metric: 'rss-per-slot' }).filter((row) => row.lifecycle === 'prewarmed' && !isVariant(row)));
  const values = pivotStats(idle, ['value', 'min', 'max', 'count']).filter((cell) => (cell.stats.value ?? 0) > 0).map((cell) => ({
    machine: cell.machine,
    substrate: cell.row.runner,
    runner: cell.row.runner,
    kind: kindOf(cell.row.runner),
    config: cell.row.config,
    value: round(scaled(cell.stats.value as number, 'bytes')),
    low: cell.stats.min === undefined ? null : round(scaled(cell.stats.min, 'bytes')),
    high: cell.stats.max === undefined ? null : round(scaled(cell.stats.max, 'bytes')),
    readings: cell.stats.count ?? null,
  }));
  if (!values.length) return null;
  return dotAndInterval(values, 'KiB per idle slot, log', ['machine', 'substrate', 'config', 'value', 'low', 'high', 'readings']);
}

/** One substrate's apps per GiB, from the slope of resident memory over its density steps. */
export interface AppsPerGib {
  machine: string;
  runner: string;
  config: string;
  lifecycle: string;
  /** GiB / (bytes per app), with the interval from the slope's 95% CI (null where the slope's interval reaches 0). */
  appsPerGib: number;
  low: number | null;
  high: number | null;
  steps: number;
}

/**
 * Apps per GiB for every representative density ramp: 1 GiB over the slope
 * of resident memory (rss-total) against apps loaded, the figure the density
 * verdicts rest on; a slope that is not positive (noise) gives no figure.
 * The host's available-memory drop never enters it.
 */
export function appsPerGib(rows: readonly Measurement[]): AppsPerGib[] {
  const ramps = new Map<string, Measurement[]>();
  for (const row of selectRows(rows, { suite: 'density', phase: 'resident', metric: 'rss-total' })) {
    if (row.stat !== 'value' || isVariant(row) || row.apps === undefined) continue;
    const key = [row.machine ?? '', row.runner, row.config, row.lifecycle].join('\u0000');
    ramps.set(key, [...(ramps.get(key) ?? []), row]);
  }
  return [...ramps.values()].flatMap((steps) => {
    const fit = slopeWithCi95(steps.map((row) => row.apps as number), steps.map((row) => row.value));
    if (!(fit.slope > 0)) return [];
    const first = steps[0] as Measurement;
    return [{
      machine: first.machine ?? 'unknown', runner: first.runner, config: first.config, lifecycle: first.lifecycle,
      appsPerGib: GIB / fit.slope,
      low: fit.ci95High > 0 ? GIB / fit.ci95High : null,
      high: fit.ci95Low > 0 ? GIB / fit.ci95Low : null,
      steps: fit.n,
    }];
  });
}

/** Apps resident per GiB per substrate (log axis): the slope's figure (dot) and its 95% CI (bar). */
export function densityHeadlineSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const values = appsPerGib(rows).map((figure) => ({
    machine: figure.machine, substrate: figure.runner, runner: figure.runner, kind: kindOf(figure.runner), config: `${figure.config}/${figure.lifecycle}`,
    value: round(figure.appsPerGib), low: figure.low === null ? null : round(figure.low), high: figure.high === null ? null : round(figure.high), steps: figure.steps,
  }));
  if (!values.length) return null;
  return dotAndInterval(values, 'apps resident per GiB, log', ['machine', 'substrate', 'config', 'value', 'low', 'high', 'steps']);
}

/** The harness lines of the throughput chart, by runner. */
const CEILING_LINES: Record<string, string> = { 'front-noop': "front's no-op ceiling", 'loadgen-ceiling': 'load generator alone' };
/** The figure the throughput claim states. */
const CLAIMED_RPS = 100_000;

/**
 * Requests/s per substrate through the common HTTP front (closed loop, one
 * app, the representatives' cold cells): the median of the interleaved
 * rounds (dot) and their range (bar), log axis; the harness ceilings
 * measured in the same run and the claimed 100k drawn as lines.
 */
export function throughputHeadlineSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const rounds = new Map<string, Measurement[]>();
  for (const row of selectRows(rows, { suite: 'throughput', phase: 'closed-loop', metric: 'requests-per-second' })) {
    if (row.stat !== 'value' || (row.apps ?? 1) > 1 || isVariant(row)) continue;
    if (!(row.runner in CEILING_LINES) && row.lifecycle !== 'cold') continue;
    const key = [row.machine ?? '', row.runner, row.config, row.lifecycle].join('\u0000');
    rounds.set(key, [...(rounds.get(key) ?? []), row]);
  }
  const figures = [...rounds.values()].map((list) => {
    const sorted = list.map((row) => row.value).sort((a, b) => a - b);
    const first = list[0] as Measurement;
    const middle = sorted.length >> 1;
    const median = sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    return { machine: first.machine ?? 'unknown', runner: first.runner, config: first.config, median, min: sorted[0] as number, max: sorted.at(-1) as number, rounds: sorted.length };
  });
  const values = figures.filter((f) => !(f.runner in CEILING_LINES) && f.median > 0).map((f) => ({
    machine: f.machine, substrate: f.runner, runner: f.runner, kind: kindOf(f.runner), config: f.config, value: round(f.median), low: round(f.min), high: round(f.max), rounds: f.rounds,
  }));
  if (!values.length) return null;
  const lines = [
    ...figures.filter((f) => f.runner in CEILING_LINES && f.median > 0).map((f) => ({ machine: f.machine, line: CEILING_LINES[f.runner] as string, rps: round(f.median) })),
    { machine: 'claim', line: 'claimed 100k', rps: CLAIMED_RPS },
  ];
  const ruleLayer = {
    data: { values: lines },
    mark: { type: 'rule', strokeWidth: 1.5 },
    encoding: {
      x: headlineLogAxis('rps', 'req/s, log'),
      strokeDash: { field: 'line', type: 'nominal', title: null, scale: { domain: [...Object.values(CEILING_LINES), 'claimed 100k'], range: [[6, 3], [2, 2], [1, 0]] }, legend: { orient: 'bottom', direction: 'horizontal', labelLimit: 150, labelFontSize: 10, padding: 0, offset: 4 } },
      color: { condition: { test: "datum.line === 'claimed 100k'", value: '#c62828' }, value: '#616161' },
      tooltip: [{ field: 'machine' }, { field: 'line' }, { field: 'rps' }],
    },
  };
  return dotAndInterval(values, 'req/s, log', ['machine', 'substrate', 'config', 'value', 'low', 'high', 'rounds'], [ruleLayer]);
}

/** Outcomes from worst to best: a probe cell shows the worst outcome it had under any grant or fresh lifecycle. */
const OUTCOME_SEVERITY = ['escaped', 'host-affected', 'failed', 'not-applicable', 'contained'];

/**
 * The isolation matrix, probe x substrate, coloured by outcome: the
 * representatives' fresh-instance cells (cold and pre-warmed), each probe's
 * worst outcome over its grant conditions.
 */
export function isolationHeadlineSpec(outcomes: readonly Outcome[]): VegaLiteSpec | null {
  const fresh = outcomes.filter((row) => row.suite === 'isolation' && row.subject !== 'cell' && (row.lifecycle === 'cold' || row.lifecycle === 'prewarmed') && !isVariant(row));
  if (!fresh.length) return null;
  const machines = new Set(fresh.map((row) => row.machine));
  const cells = new Map<string, { machine: string; probe: string; substrate: string; runner: string; outcomes: Outcome[] }>();
  for (const row of fresh) {
    const substrate = machines.size > 1 ? `${row.runner} · ${row.machine}` : row.runner;
    const key = `${substrate}\u0000${row.subject}`;
    const cell = cells.get(key) ?? { machine: row.machine ?? 'unknown', probe: row.subject, substrate, runner: row.runner, outcomes: [] };
    cell.outcomes.push(row);
    cells.set(key, cell);
  }
  const rank = (outcome: string): number => (OUTCOME_SEVERITY.includes(outcome) ? OUTCOME_SEVERITY.indexOf(outcome) : 0);
  const values = [...cells.values()].map((cell) => {
    const worst = [...cell.outcomes].sort((a, b) => rank(a.outcome) - rank(b.outcome))[0] as Outcome;
    return { machine: cell.machine, probe: cell.probe, substrate: cell.substrate, runner: cell.runner, outcome: worst.outcome, cases: cell.outcomes.length, detail: `${worst.condition} [${worst.lifecycle}]: ${worst.detail}` };
  });
  const seen = [...new Set(values.map((value) => value.outcome))];
  const domain = [...OUTCOME_SEVERITY.filter((outcome) => seen.includes(outcome)), ...seen.filter((outcome) => !OUTCOME_SEVERITY.includes(outcome))];
  return {
    ...base(null, values),
    width: { step: 28 },
    height: { step: 8 },
    mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
    encoding: {
      x: { field: 'substrate', type: 'nominal', title: null, sort: substrateSort(values), axis: { labelAngle: -30, labelLimit: 90, orient: 'top' } },
      y: { field: 'probe', type: 'nominal', title: null, sort: null, axis: { labelFontSize: 9, labelLimit: 100 } },
      color: { field: 'outcome', type: 'nominal', title: null, scale: { domain, range: domain.map((outcome) => OUTCOME_COLOURS[outcome] ?? '#ff8f00') }, legend: { orient: 'right', labelFontSize: 10 } },
      tooltip: [{ field: 'machine' }, { field: 'probe' }, { field: 'substrate' }, { field: 'outcome' }, { field: 'cases' }, { field: 'detail' }],
    },
  };
}

/**
 * The sizes the headline compares: the .wasm, the smallest static native
 * binary of the same source (what "the compiled code" is at its most
 * compact), the dynamic one alone, and the container image, per machine;
 * the other builds (another C library, a dynamic binary with its shared
 * libraries) are in the portability section.
 */
function headlineSizes(rows: readonly Measurement[]): Measurement[] {
  const smallestStatic = new Map<string, Measurement>();
  for (const row of rows) {
    if (!row.runner.includes('static')) continue;
    const key = `${row.machine ?? ''}|${row.workload}`;
    if ((smallestStatic.get(key)?.value ?? Number.POSITIVE_INFINITY) > row.value) smallestStatic.set(key, row);
  }
  return rows.filter((row) => !row.runner.includes('+') && (!row.runner.includes('static') || smallestStatic.get(`${row.machine ?? ''}|${row.workload}`) === row));
}

/** Artifact sizes of hello (log axis): the .wasm, its smallest static and its dynamic native build, and the container image. */
export function portabilityHeadlineSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const sizes = headlineSizes(ofHeadlineWorkload(selectRows(rows, { suite: 'portability', phase: 'size', metric: 'artifact-bytes' }).filter((row) => row.stat === 'value' && row.value > 0)));
  const values = sizes.map((row) => ({ machine: row.machine ?? 'unknown', substrate: row.runner === 'wasm' ? '.wasm' : row.runner, runner: row.runner, kind: kindOf(row.runner === 'container-image' ? 'container' : row.runner === 'wasm' ? 'wasm' : 'process'), value: round(scaled(row.value, 'bytes')) }));
  if (!values.length) return null;
  const y = substrateAxis(values);
  return {
    ...base(null, values),
    width: PLOT_WIDTH,
    height: { step: rowStep(values) },
    mark: { type: 'bar' },
    encoding: {
      y,
      yOffset: { field: 'machine', type: 'nominal' },
      x: { ...headlineLogAxis('value', `KiB of ${sizes[0]?.workload ?? ''}, log`), stack: null },
      color: colourOf(values),
      tooltip: [{ field: 'machine' }, { field: 'substrate' }, { field: 'value', title: 'KiB' }],
    },
  };
}
