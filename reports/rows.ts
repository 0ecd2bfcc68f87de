/**
 * Row shaping for the charts: picking a suite's rows, naming cells, and
 * pivoting aggregate rows (one row per statistic) into one record per cell.
 * Pure functions of rows, so every chart's data can be tested on its own.
 */
import type { Measurement, Stat } from '../core/results.ts';

/** A short label for a measured cell: runner, then what differs from the defaults. */
export function cellLabel(row: Pick<Measurement, 'runner' | 'config' | 'lifecycle' | 'workload'> & { apps?: number | undefined }, parts: { workload?: boolean; apps?: boolean } = {}): string {
  const pieces = [row.runner];
  if (row.config && row.config !== 'default' && row.config !== '-') pieces.push(row.config);
  if (row.lifecycle && row.lifecycle !== '-') pieces.push(row.lifecycle);
  if (parts.workload !== false && row.workload && row.workload !== '-') pieces.push(row.workload);
  if (parts.apps !== false && row.apps !== undefined && row.apps > 1) pieces.push(`${row.apps} apps`);
  return pieces.join(' · ');
}

/** The identity of a cell across its statistic rows. */
function cellKey(row: Measurement): string {
  return [row.machine ?? '', row.suite, row.runner, row.config, row.lifecycle, row.workload, row.phase, row.metric, row.unit, row.apps ?? 1].join('\u0000');
}

/** One cell with the statistics found for it. */
export interface PivotedCell {
  row: Measurement;
  machine: string;
  /** Each statistic's value; the median when the cell was measured in several runs (iterations). */
  stats: Partial<Record<Stat, number>>;
  /** How many runs the cell has (rows of one statistic). */
  runs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Groups aggregate rows by cell and gathers the wanted statistics of each,
 * in first-seen order. Raw samples are ignored; cells with none of the
 * wanted statistics are dropped. A statistic recorded once per run (the
 * throughput suite repeats its runs) is shown as the median of the runs.
 */
export function pivotStats(rows: readonly Measurement[], stats: readonly Stat[]): PivotedCell[] {
  const cells = new Map<string, { row: Measurement; machine: string; values: Map<Stat, number[]> }>();
  for (const row of rows) {
    if (!stats.includes(row.stat) || !Number.isFinite(row.value)) continue;
    const key = cellKey(row);
    let cell = cells.get(key);
    if (!cell) {
      cell = { row, machine: row.machine ?? 'unknown', values: new Map() };
      cells.set(key, cell);
    }
    const values = cell.values.get(row.stat) ?? [];
    values.push(row.value);
    cell.values.set(row.stat, values);
  }
  return [...cells.values()].map((cell) => ({
    row: cell.row,
    machine: cell.machine,
    stats: Object.fromEntries([...cell.values].map(([stat, values]) => [stat, median(values)])),
    runs: Math.max(...[...cell.values.values()].map((values) => values.length)),
  }));
}

/** The first statistic present among `preferred` (a single value, else a central one). */
export function centralValue(cell: PivotedCell, preferred: readonly Stat[] = ['value', 'mean', 'p50']): number | undefined {
  for (const stat of preferred) if (cell.stats[stat] !== undefined) return cell.stats[stat];
  return undefined;
}

/** Rows of one suite matching a few fields. */
export function selectRows(rows: readonly Measurement[], match: { suite: string; metric?: string | readonly string[]; phase?: string | readonly string[] }): Measurement[] {
  const oneOf = (wanted: string | readonly string[] | undefined, actual: string): boolean =>
    wanted === undefined || (typeof wanted === 'string' ? wanted === actual : wanted.includes(actual));
  return rows.filter((row) => row.suite === match.suite && oneOf(match.metric, row.metric) && oneOf(match.phase, row.phase));
}

/** Converts a value to the unit a chart shows, by the row's unit. */
export function scaled(value: number, unit: string): number {
  if (unit === 'ns') return value / 1e6;
  if (unit === 'bytes') return value / 1024;
  return value;
}

/** The unit a chart shows for a row unit (ns are shown as ms, bytes as KiB). */
export function shownUnit(unit: string): string {
  if (unit === 'ns') return 'ms';
  if (unit === 'bytes') return 'KiB';
  return unit;
}

/** Rounds for tooltips without losing small values. */
export function round(value: number): number {
  return Number(value.toPrecision(4));
}
