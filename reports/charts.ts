/**
 * The report's charts: each is a small pure function from result rows to a
 * vega-lite spec (or null when the rows it needs are absent), so a chart can
 * be tested without a browser. Every figure is labelled by machine.
 */
import type { Measurement, Outcome, SuiteName } from '../core/results.ts';
import { cellLabel, centralValue, pivotStats, round, scaled, selectRows, shownUnit } from './rows.ts';

/** A vega-lite spec, as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

/** The rows a chart reads. */
export interface ChartInput {
  measurements: readonly Measurement[];
  outcomes: readonly Outcome[];
}

/** A chart of the report. */
export interface Chart {
  /** Stable id, used as the element id and in tests. */
  id: string;
  suite: SuiteName;
  title: string;
  /** How to read it, in a sentence. */
  caption: string;
  build(input: ChartInput): VegaLiteSpec | null;
}

/** The vega-lite schema every spec names. */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 520;

/** Cold-start layers in the order of DESIGN.md section 3, then the per-request phases reported beside them, then a server runner's start to its first response. */
export const COLDSTART_LAYERS = ['L0', 'L1', 'L2', 'teardown', 'request-cost', 'server-start'] as const;

/** Fixed colours for outcomes, so a colour means the same thing in every matrix. */
export const OUTCOME_COLOURS: Record<string, string> = {
  contained: '#2e7d32',
  match: '#2e7d32',
  escaped: '#c62828',
  mismatch: '#c62828',
  'platform-bound': '#1565c0',
  'host-affected': '#6a1b9a',
  failed: '#ef6c00',
  'not-applicable': '#9e9e9e',
  'not-run': '#bdbdbd',
};

const machineColour = { field: 'machine', type: 'nominal', title: 'machine' } as const;
const machineOffset = { field: 'machine', type: 'nominal' } as const;

/** A spec's common part: schema, title (with a note of the values left out, if any) and data. */
export function base(title: string | null, values: readonly object[], droppedZeros = 0): VegaLiteSpec {
  // A 0 cannot sit on a log axis: say how many values were left out rather than drop them silently.
  const note = droppedZeros ? `${droppedZeros} value(s) of 0 (below the measurement's resolution) not drawn on the log axis; see the CSV` : undefined;
  const heading = title === null ? (note ? { text: '', subtitle: note } : undefined) : note ? { text: title, subtitle: note } : title;
  return { $schema: SCHEMA, ...(heading !== undefined ? { title: heading } : {}), data: { values }, config: { axis: { labelLimit: 280 } } };
}

/**
 * An interval for a rule on a log axis: both ends, or neither. An end that
 * is missing or not above 0 (a log axis has no 0) would leave the rule
 * without an end, so the rule is not drawn; the point estimate still is.
 */
export function logInterval<L extends string, H extends string>(lowField: L, highField: H, low: number | null | undefined, high: number | null | undefined): Record<L | H, number | null> {
  const drawable = typeof low === 'number' && typeof high === 'number' && low > 0 && high > 0;
  return { [lowField]: drawable ? low : null, [highField]: drawable ? high : null } as Record<L | H, number | null>;
}

/** A quantitative log-scale axis. */
export function logAxis(field: string, title: string): Record<string, unknown> {
  return { field, type: 'quantitative', title, scale: { type: 'log' } };
}

/** Cold start per cell and layer: median (dot) with the 95% CI of the median (bar) and p99 (tick), log axis. */
export function coldStartSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const cells = pivotStats(selectRows(rows, { suite: 'coldstart', metric: 'duration', phase: [...COLDSTART_LAYERS, 'first-load'] }), ['p50', 'value', 'p99', 'ci95-low', 'ci95-high', 'count']);
  // A first load is one value per cell (no distribution): it is drawn as its median.
  const central = (cell: (typeof cells)[number]): number | undefined => cell.stats.p50 ?? cell.stats.value;
  const zeros = cells.filter((cell) => central(cell) !== undefined && !((central(cell) as number) > 0)).length;
  const values = cells
    .filter((cell) => (central(cell) ?? 0) > 0)
    .map((cell) => ({
      machine: cell.machine,
      cell: cellLabel(cell.row),
      layer: cell.row.phase,
      p50Ms: round(scaled(central(cell) as number, cell.row.unit)),
      p99Ms: cell.stats.p99 === undefined ? null : round(scaled(cell.stats.p99, cell.row.unit)),
      ...logInterval('ciLowMs', 'ciHighMs', cell.stats['ci95-low'] === undefined ? null : round(scaled(cell.stats['ci95-low'], cell.row.unit)), cell.stats['ci95-high'] === undefined ? null : round(scaled(cell.stats['ci95-high'], cell.row.unit))),
      samples: cell.stats.count ?? null,
    }));
  if (!values.length) return null;
  const y = { field: 'cell', type: 'nominal', title: null };
  const tooltip = ['machine', 'cell', 'layer', 'p50Ms', 'ciLowMs', 'ciHighMs', 'p99Ms', 'samples'].map((field) => ({ field }));
  return {
    ...base('Cold start per cell and layer (ms, log scale)', values, zeros),
    // One panel per layer, each listing only the cells that layer has (no empty rows), each on its own axis: layers are never compared.
    vconcat: [...COLDSTART_LAYERS, 'first-load'].filter((layer) => values.some((value) => value.layer === layer)).map((layer) => ({
      title: { text: layer, anchor: 'start', fontSize: 12 },
      transform: [{ filter: { field: 'layer', equal: layer } }],
      width: WIDTH,
      height: { step: 14 },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: { y, yOffset: machineOffset, x: logAxis('ciLowMs', 'ms (log)'), x2: { field: 'ciHighMs' }, color: machineColour },
        },
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { y, yOffset: machineOffset, x: logAxis('p50Ms', 'ms (log)'), color: machineColour, tooltip } },
        {
          mark: { type: 'tick', thickness: 2 },
          encoding: { y, yOffset: machineOffset, x: logAxis('p99Ms', 'ms (log)'), color: machineColour, tooltip },
        },
      ],
    })),
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/** Idle cost of a pre-warmed slot per substrate: memory and CPU, one panel each. */
export function prewarmIdleSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const cells = pivotStats(selectRows(rows, { suite: 'coldstart', phase: 'idle', metric: ['rss-per-slot', 'cpu-per-slot'] }), ['value', 'mean', 'p50']);
  const values = cells.flatMap((cell) => {
    const value = centralValue(cell);
    if (value === undefined) return [];
    return [{ machine: cell.machine, cell: cellLabel(cell.row), metric: `${cell.row.metric} (${shownUnit(cell.row.unit)})`, value: round(scaled(value, cell.row.unit)) }];
  });
  if (!values.length) return null;
  return {
    ...base('Idle cost per pre-warmed slot', values),
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: WIDTH / 2,
      mark: 'bar',
      encoding: { y: { field: 'cell', type: 'nominal', title: null }, yOffset: machineOffset, x: { field: 'value', type: 'quantitative', title: null }, color: machineColour, tooltip: [{ field: 'machine' }, { field: 'cell' }, { field: 'metric' }, { field: 'value' }] },
    },
  };
}

/** Harness rows drawn beside the cells: the ceilings and the front's spin calibration. */
const CEILING_RUNNERS = ['front-noop', 'front-spin', 'loadgen-ceiling'];

/** Requests per second (and per core) per cell, with the front's and load generator's ceilings beside. */
export function throughputSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const cells = pivotStats(selectRows(rows, { suite: 'throughput', metric: ['requests-per-second', 'requests-per-second-per-core'] }), ['value', 'mean', 'p50']);
  const values = cells.flatMap((cell) => {
    const value = centralValue(cell);
    if (value === undefined) return [];
    const ceiling = CEILING_RUNNERS.includes(cell.row.runner);
    return [{
      machine: cell.machine,
      cell: ceiling ? `ceiling: ${cell.row.runner}${cell.row.runner === 'front-spin' ? ` ${cell.row.config}` : ''}` : cellLabel(cell.row),
      kind: ceiling ? 'ceiling' : 'substrate',
      phase: cell.row.phase,
      metric: cell.row.metric === 'requests-per-second' ? 'req/s' : 'req/s per core',
      value: round(value),
    }];
  });
  if (!values.length) return null;
  return {
    ...base('Throughput per cell, with the harness ceilings', values),
    facet: { row: { field: 'phase', type: 'nominal', title: null }, column: { field: 'metric', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: WIDTH / 2,
      mark: 'bar',
      encoding: {
        y: { field: 'cell', type: 'nominal', title: null, sort: { field: 'kind' } },
        yOffset: machineOffset,
        x: { field: 'value', type: 'quantitative', title: null },
        color: machineColour,
        opacity: { field: 'kind', type: 'ordinal', title: 'row', sort: ['substrate', 'ceiling'], scale: { domain: ['substrate', 'ceiling'], range: [1, 0.45] } },
        tooltip: [{ field: 'machine' }, { field: 'cell' }, { field: 'phase' }, { field: 'metric' }, { field: 'value' }],
      },
    },
  };
}

/** A percentile chart: one point per statistic per cell on a log axis, shape by statistic. */
function percentileSpec(title: string, rows: readonly Measurement[], stats: readonly ('p50' | 'p90' | 'p99' | 'max')[], group: string | null, labelOf: (row: Measurement) => string): VegaLiteSpec | null {
  let zeros = 0;
  const values = pivotStats(rows, stats).flatMap((cell) =>
    stats.flatMap((stat) => {
      const value = cell.stats[stat];
      if (value === undefined) return [];
      if (!(value > 0)) {
        zeros++;
        return [];
      }
      return [{ machine: cell.machine, cell: labelOf(cell.row), group: cell.row.phase, stat, ms: round(scaled(value, cell.row.unit)) }];
    }),
  );
  if (!values.length) return null;
  return {
    ...base(title, values, zeros),
    facet: { row: { field: 'group', type: 'nominal', title: group } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        y: { field: 'cell', type: 'nominal', title: null },
        yOffset: machineOffset,
        x: logAxis('ms', 'ms (log)'),
        color: machineColour,
        shape: { field: 'stat', type: 'nominal', title: 'statistic', scale: { domain: [...stats] } },
        tooltip: [{ field: 'machine' }, { field: 'cell' }, { field: 'stat' }, { field: 'ms' }],
      },
    },
  };
}

/** Latency under load per cell (p50, p90, p99, max), closed- and open-loop. */
export function latencySpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  return percentileSpec('Latency under load per cell (ms, log scale)', selectRows(rows, { suite: 'throughput', metric: 'latency' }), ['p50', 'p90', 'p99', 'max'], 'load', (row) =>
    CEILING_RUNNERS.includes(row.runner) ? `ceiling: ${row.runner}` : cellLabel(row));
}

/** A victim's latency while a neighbour misbehaves (isolation interference rows). */
export function interferenceSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  return percentileSpec("A victim's latency beside a noisy neighbour (ms, log scale)", selectRows(rows, { suite: 'isolation', phase: 'interference', metric: 'victim-latency' }), ['p50', 'p99'], null, (row) => cellLabel(row));
}

/** A density curve: a metric against the number of apps loaded, one line per cell and measure, one panel per machine. */
function curveSpec(title: string, rows: readonly Measurement[], stats: readonly ('value' | 'mean' | 'p50' | 'p99')[], logY: boolean): VegaLiteSpec | null {
  const metrics = new Set(rows.map((row) => row.metric));
  let zeros = 0;
  const values = pivotStats(rows, stats).flatMap((cell) =>
    stats.flatMap((stat) => {
      const value = cell.stats[stat];
      if (value === undefined) return [];
      if (logY && !(value > 0)) {
        zeros++;
        return [];
      }
      const measure = metrics.size > 1 ? (stat === 'value' ? cell.row.metric : `${cell.row.metric} ${stat}`) : stat;
      return [{ machine: cell.machine, series: cellLabel(cell.row, { apps: false }), apps: cell.row.apps ?? 1, measure, value: round(scaled(value, cell.row.unit)) }];
    }),
  );
  if (!values.length) return null;
  const unit = shownUnit(rows[0]?.unit ?? '');
  return {
    ...base(title, values, zeros),
    facet: { field: 'machine', type: 'nominal', title: 'machine' },
    columns: 2,
    spec: {
      width: WIDTH / 2 + 60,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'apps', type: 'quantitative', title: 'apps loaded (log)', scale: { type: 'log' } },
        y: { field: 'value', type: 'quantitative', title: `${unit}${logY ? ' (log)' : ''}`, scale: { type: logY ? 'log' : 'linear' } },
        color: { field: 'series', type: 'nominal', title: 'cell' },
        strokeDash: { field: 'measure', type: 'nominal', title: null },
        detail: { field: 'measure', type: 'nominal' },
        tooltip: [{ field: 'machine' }, { field: 'series' }, { field: 'apps' }, { field: 'measure' }, { field: 'value' }],
      },
    },
  };
}

/**
 * Resident memory per app against the number of apps. Memory cannot be
 * negative: a reading below zero (the host's noise) is left out and counted
 * in the subtitle. The host's available-memory drop is not on this axis: it
 * moves with every neighbour of a shared machine, so the density section
 * lists it apart, as what it is.
 */
export function densityMemorySpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const perApp = selectRows(rows, { suite: 'density', phase: 'resident', metric: 'rss-per-app' });
  const drawn = perApp.filter((row) => row.value > 0);
  const spec = curveSpec('Resident memory per app against apps loaded (KiB)', drawn, ['value', 'mean', 'p50'], false);
  const dropped = perApp.length - drawn.length;
  if (spec && dropped) spec['title'] = { text: 'Resident memory per app against apps loaded (KiB)', subtitle: `${dropped} reading(s) below 0 (noise) not drawn; see the CSV` };
  return spec;
}

/** Serving latency (p50, p99) against the number of apps. */
export function densityLatencySpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  return curveSpec('Serving latency against apps loaded (ms, log scale)', selectRows(rows, { suite: 'density', phase: 'serve', metric: 'latency' }), ['p50', 'p99'], true);
}

/** Load time, and time to the first response, per app against the number of apps. */
export function densityLoadSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  return curveSpec('Load and first serve per app against apps loaded (ms, log scale)', selectRows(rows, { suite: 'density', phase: 'load', metric: ['load-time-per-app', 'first-serve-per-app'] }), ['value', 'mean', 'p50'], true);
}

/** The capacity metrics of the density suite, as the chart names them. */
const CAPACITY_METRICS: Record<string, string> = {
  'apps-resident': 'most apps resident and serving',
  'stopped-by-budget': "stopped by the host's available memory at",
  'stopped-by-load-time': "stopped by the profile's load-time cap at",
};

/** Apps per host per substrate: the largest number of apps each cell held (the figure the density claims rest on). */
export function capacitySpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const best = new Map<string, { machine: string; cell: string; measure: string; apps: number }>();
  for (const cell of pivotStats(selectRows(rows, { suite: 'density', phase: 'capacity', metric: Object.keys(CAPACITY_METRICS) }), ['value'])) {
    const record = { machine: cell.machine, cell: cellLabel(cell.row, { apps: false }), measure: CAPACITY_METRICS[cell.row.metric] ?? cell.row.metric, apps: cell.stats.value as number };
    const key = `${record.machine}\u0000${record.cell}\u0000${record.measure}`;
    if ((best.get(key)?.apps ?? -1) < record.apps) best.set(key, record);
  }
  const values = [...best.values()].map((record) => ({ ...record, apps: round(record.apps) }));
  if (!values.length) return null;
  return {
    ...base('Apps per host (log scale)', values),
    facet: { row: { field: 'measure', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: WIDTH,
      mark: 'bar',
      encoding: {
        y: { field: 'cell', type: 'nominal', title: null },
        yOffset: machineOffset,
        x: { field: 'apps', type: 'quantitative', title: 'apps (log)', scale: { type: 'symlog' } },
        color: machineColour,
        tooltip: [{ field: 'machine' }, { field: 'cell' }, { field: 'measure' }, { field: 'apps' }],
      },
    },
  };
}

/** An outcome matrix: rows are subjects, columns conditions, colour the outcome, one panel per machine. */
function matrixSpec(title: string, outcomes: readonly Outcome[], columnOf: (row: Outcome) => string): VegaLiteSpec | null {
  const values = outcomes.map((row) => ({ machine: row.machine ?? 'unknown', subject: row.subject, column: columnOf(row), outcome: row.outcome, detail: row.detail }));
  if (!values.length) return null;
  const seen = [...new Set(values.map((value) => value.outcome))];
  const domain = [...Object.keys(OUTCOME_COLOURS).filter((outcome) => seen.includes(outcome)), ...seen.filter((outcome) => !(outcome in OUTCOME_COLOURS))];
  const range = domain.map((outcome) => OUTCOME_COLOURS[outcome] ?? '#ff8f00');
  return {
    ...base(title, values),
    facet: { field: 'machine', type: 'nominal', title: 'machine' },
    columns: 2,
    resolve: { scale: { x: 'independent' } },
    spec: {
      mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
      encoding: {
        x: { field: 'column', type: 'nominal', title: null, axis: { labelAngle: -40, labelLimit: 220 } },
        y: { field: 'subject', type: 'nominal', title: null, axis: { labelLimit: 220 } },
        color: { field: 'outcome', type: 'nominal', title: 'outcome', scale: { domain, range } },
        tooltip: [{ field: 'machine' }, { field: 'subject' }, { field: 'column' }, { field: 'outcome' }, { field: 'detail' }],
      },
    },
  };
}

/** The isolation matrix: probe x runner/config/condition, coloured by outcome. */
export function isolationMatrixSpec(outcomes: readonly Outcome[]): VegaLiteSpec | null {
  return matrixSpec('Isolation probes: outcome per probe, runner, configuration and grant', outcomes.filter((row) => row.suite === 'isolation'), (row) =>
    [cellLabel(row, { workload: false }), row.condition].filter(Boolean).join(' · '));
}

/** The portability matrix: artifact x engine (and native binaries x platform), coloured by whether the output matched. */
export function portabilityMatrixSpec(outcomes: readonly Outcome[]): VegaLiteSpec | null {
  const matrixRows = outcomes.filter((row) => row.suite === 'portability' && (row.condition.startsWith('engine=') || row.condition.startsWith('platform=')));
  return matrixSpec('Portability: the same artifact on every engine and machine', matrixRows, (row) => row.condition);
}

/** Artifact sizes per workload: .wasm, native static and dynamic, container image. */
export function sizesSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const values = pivotStats(selectRows(rows, { suite: 'portability', phase: 'size', metric: 'artifact-bytes' }), ['value']).map((cell) => ({
    machine: cell.machine, workload: cell.row.workload, artifact: cell.row.runner, kib: round(scaled(cell.stats.value as number, cell.row.unit)),
  })).filter((value) => value.kib > 0);
  if (!values.length) return null;
  return {
    ...base('Artifact size per workload (KiB, log scale)', values),
    facet: { row: { field: 'machine', type: 'nominal', title: 'machine' } },
    spec: {
      width: WIDTH,
      mark: 'bar',
      encoding: {
        y: { field: 'workload', type: 'nominal', title: null },
        yOffset: { field: 'artifact', type: 'nominal' },
        x: { ...logAxis('kib', 'KiB (log)'), stack: null },
        color: { field: 'artifact', type: 'nominal', title: 'artifact' },
        tooltip: [{ field: 'machine' }, { field: 'workload' }, { field: 'artifact' }, { field: 'kib' }],
      },
    },
  };
}

/** Wasm time / native time per workload with its 95% CI; the rule at 1 is native speed. */
export function nearNativeSpec(rows: readonly Measurement[]): VegaLiteSpec | null {
  const values = pivotStats(selectRows(rows, { suite: 'portability', phase: 'near-native', metric: 'wasm-native-ratio' }), ['value', 'mean', 'p50', 'ci95-low', 'ci95-high']).flatMap((cell) => {
    const ratio = centralValue(cell);
    if (ratio === undefined) return [];
    return [{
      machine: cell.machine, workload: cellLabel({ ...cell.row, runner: `${cell.row.workload} on ${cell.row.runner}`, workload: '-' }), ratio: round(ratio),
      ...logInterval('ciLow', 'ciHigh', cell.stats['ci95-low'], cell.stats['ci95-high']),
    }];
  });
  if (!values.length) return null;
  const y = { field: 'workload', type: 'nominal', title: null };
  return {
    ...base('Near-native: Wasm time / native time (1 = native speed)', values),
    width: WIDTH,
    layer: [
      { mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { datum: 1, type: 'quantitative' } } },
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset: machineOffset, x: { field: 'ciLow', type: 'quantitative' }, x2: { field: 'ciHigh' }, color: machineColour } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { y, yOffset: machineOffset, x: { field: 'ratio', type: 'quantitative', title: 'Wasm / native' }, color: machineColour, tooltip: [{ field: 'machine' }, { field: 'workload' }, { field: 'ratio' }, { field: 'ciLow' }, { field: 'ciHigh' }] } },
    ],
  };
}

/** Every chart, in report order (suite by suite). */
export const CHARTS: readonly Chart[] = [
  { id: 'coldstart-layers', suite: 'coldstart', title: 'Cold start per cell and layer', caption: 'Dot: median; bar: 95% confidence interval of the median; tick: p99. Log axis. Compare cells within a layer, never across layers.', build: (input) => coldStartSpec(input.measurements) },
  { id: 'coldstart-idle', suite: 'coldstart', title: 'Idle cost of pre-warming', caption: 'Memory and CPU one waiting, pre-warmed slot holds while idle, per substrate.', build: (input) => prewarmIdleSpec(input.measurements) },
  { id: 'density-memory', suite: 'density', title: 'Memory per app', caption: 'Resident memory per app (growth of the host process\'s RSS over the apps, or a container\'s cgroup and shim) as more distinct apps are loaded on one host. The host\'s available-memory drop is listed apart below: it moves with every neighbour of a shared machine.', build: (input) => densityMemorySpec(input.measurements) },
  { id: 'density-latency', suite: 'density', title: 'Latency against apps', caption: 'Serving latency (p50 solid, p99 dashed) while N distinct apps are loaded.', build: (input) => densityLatencySpec(input.measurements) },
  { id: 'density-load', suite: 'density', title: 'Load time per app', caption: 'Time to load one more app, and to serve it for the first time, as the host fills up.', build: (input) => densityLoadSpec(input.measurements) },
  { id: 'density-capacity', suite: 'density', title: 'Apps per host', caption: 'The most distinct apps each cell held resident and serving, and where the host\'s memory or the profile\'s load-time cap stopped it, per substrate.', build: (input) => capacitySpec(input.measurements) },
  { id: 'throughput-rps', suite: 'throughput', title: 'Throughput per cell', caption: 'Requests per second through the same HTTP front; faded bars are the ceilings (the front with a no-op handler, the load generator alone), which no cell can exceed, and the no-op route after a fixed CPU spin per request (front-spin), what a route of known cost keeps.', build: (input) => throughputSpec(input.measurements) },
  { id: 'throughput-latency', suite: 'throughput', title: 'Latency under load', caption: 'p50, p90, p99 and max per cell; open-loop rows are free of coordinated omission.', build: (input) => latencySpec(input.measurements) },
  { id: 'isolation-matrix', suite: 'isolation', title: 'Isolation matrix', caption: 'Each probe tries one thing, with and without the matching grant. Green: contained; red: escaped; purple: the host was affected; grey: not applicable. Hover for what was seen.', build: (input) => isolationMatrixSpec(input.outcomes) },
  { id: 'isolation-interference', suite: 'isolation', title: 'Noisy neighbours', caption: "A victim app's latency (p50, p99) per runner configuration: with no neighbour, beside a busy well-behaved app (the verdict's baseline) and beside a CPU hog, a memory hog and a crashing app.", build: (input) => interferenceSpec(input.measurements) },
  { id: 'portability-matrix', suite: 'portability', title: 'Portability matrix', caption: 'One artifact (same sha256) per row; green when its output is byte-identical to the expected output on that engine and machine; blue: a native binary or container image, bound to the platform it was built for.', build: (input) => portabilityMatrixSpec(input.outcomes) },
  { id: 'portability-sizes', suite: 'portability', title: 'Sizes', caption: '.wasm against the native binary of the same source (static and dynamic) and the container image.', build: (input) => sizesSpec(input.measurements) },
  { id: 'portability-near-native', suite: 'portability', title: 'Near-native', caption: 'Ratio of Wasm to native run time for CPU-bound workloads, with its 95% CI; 1 is native speed.', build: (input) => nearNativeSpec(input.measurements) },
];
