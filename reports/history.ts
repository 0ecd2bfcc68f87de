/**
 * Night to night: tonight's verdicts against a baseline (which verdicts
 * changed, which headline figures moved beyond their interval) and the
 * history of each headline figure over past results. A headline figure is
 * a verdict's deciding figure (its `margin`), per claim and machine.
 *
 * Machines are matched by label, else by platform, architecture and Node
 * major version (a CI runner's host name changes every night).
 */
import type { Environment } from '../core/environment.ts';
import type { ClaimVerdict, Margin, Verdict } from '../core/results.ts';
import { base, logInterval, type VegaLiteSpec } from './charts.ts';
import { isFigure, VERDICT_COLOURS } from './figures.ts';
import type { MergedResult } from './merge.ts';
import { round, scaled, shownUnit } from './rows.ts';

/** A machine's identity across nights: platform, architecture and Node major version. */
export function machineKeyOf(environment: Pick<Environment, 'platform' | 'arch' | 'node'>): string {
  const major = /^v?(\d+)/.exec(environment.node)?.[1] ?? environment.node;
  return `${environment.platform}-${environment.arch} node${major}`;
}

/** The identity of a merged result's machine labels: label -> key, and when the run started there. */
function machinesOf(result: MergedResult): Map<string, { key: string; startedAt: string }> {
  return new Map(result.environments.map((environment) => [environment.machine, { key: machineKeyOf(environment), startedAt: environment.startedAt }]));
}

/** When a result was measured: the earliest start of its machines. */
export function measuredAt(result: MergedResult): string {
  return result.environments.map((environment) => environment.startedAt).sort()[0] ?? result.environment.startedAt;
}

/** A verdict that changed since the baseline. */
export interface VerdictChange {
  claim: string;
  machine: string;
  before: Verdict;
  after: Verdict;
}

/** A headline figure whose interval no longer overlaps the baseline's. */
export interface Movement {
  direction: 'up' | 'down';
  before: Margin;
}

/** Tonight against a baseline. */
export interface Comparison {
  /** When the baseline was measured. */
  baselineAt: string;
  changed: VerdictChange[];
  /** Moved figures by `claim|machine` (tonight's machine label). */
  moved: Map<string, Movement>;
  /** How many figures had an interval on both nights and could be compared. */
  compared: number;
  /** Tonight's machines with no counterpart in the baseline. */
  unmatched: string[];
}

/** The key of a verdict in {@link Comparison.moved}. */
export function verdictKey(claim: string, machine: string | undefined): string {
  return `${claim}|${machine ?? ''}`;
}

/** Whether two margins state the same figure, so that their values can be compared. */
function comparable(a: Margin | undefined, b: Margin | undefined): a is Margin {
  return !!a && !!b && a.figure === b.figure && a.unit === b.unit && [a.low, a.high, b.low, b.high].every(isFigure);
}

/**
 * Whether a figure moved beyond its interval: tonight's whole 95% interval
 * lies above (or below) the baseline's whole interval. Overlapping intervals
 * are not a move, however far the point estimates went.
 */
export function movement(now: Margin, before: Margin): Movement | null {
  if (!comparable(now, before)) return null;
  if (now.low > before.high) return { direction: 'up', before };
  if (now.high < before.low) return { direction: 'down', before };
  return null;
}

/** Tonight's machine labels, each with the baseline machine it is compared with. */
function pairMachines(current: MergedResult, baseline: MergedResult): Map<string, string> {
  const now = machinesOf(current);
  const before = machinesOf(baseline);
  const byKey = new Map<string, string[]>();
  for (const [label, { key }] of before) byKey.set(key, [...(byKey.get(key) ?? []), label]);
  const pairs = new Map<string, string>();
  for (const [label, { key }] of now) {
    if (before.has(label)) pairs.set(label, label);
    else if (byKey.get(key)?.length === 1) pairs.set(label, (byKey.get(key) as string[])[0] as string);
  }
  // Two single-machine results are one machine measured twice, whatever their labels.
  if (!pairs.size && now.size === 1 && before.size === 1) pairs.set([...now.keys()][0] as string, [...before.keys()][0] as string);
  return pairs;
}

/** Compares tonight's verdicts with a baseline's: changed verdicts and moved headline figures. */
export function compareWithBaseline(current: MergedResult, baseline: MergedResult): Comparison {
  const pairs = pairMachines(current, baseline);
  const find = (result: MergedResult, claim: string, machine: string): ClaimVerdict | undefined => result.claims.find((verdict) => verdict.id === claim && verdict.machine === machine);
  const comparison: Comparison = { baselineAt: measuredAt(baseline), changed: [], moved: new Map(), compared: 0, unmatched: [...machinesOf(current).keys()].filter((label) => !pairs.has(label)) };
  for (const verdict of current.claims) {
    const paired = pairs.get(verdict.machine ?? '');
    if (paired === undefined) continue;
    const before = find(baseline, verdict.id, paired);
    if (!before) continue;
    if (before.verdict !== verdict.verdict) comparison.changed.push({ claim: verdict.id, machine: verdict.machine ?? '', before: before.verdict, after: verdict.verdict });
    if (verdict.margin && comparable(verdict.margin, before.margin)) {
      comparison.compared++;
      const moved = movement(verdict.margin, before.margin as Margin);
      if (moved) comparison.moved.set(verdictKey(verdict.id, verdict.machine), moved);
    }
  }
  return comparison;
}

/** One night's value of a headline figure on one machine. */
export interface HistoryPoint {
  claim: string;
  /** The machine identity (platform, architecture, Node major), stable across nights. */
  machine: string;
  at: string;
  verdict: Verdict;
  margin: Margin;
}

/** Every headline figure with a value, per claim, over the given results (tonight among them). */
export function historyPoints(results: readonly MergedResult[]): Map<string, HistoryPoint[]> {
  const byClaim = new Map<string, HistoryPoint[]>();
  for (const result of results) {
    const machines = machinesOf(result);
    for (const verdict of result.claims) {
      const machine = machines.get(verdict.machine ?? '');
      if (!machine || !verdict.margin || !isFigure(verdict.margin.value)) continue;
      const point: HistoryPoint = { claim: verdict.id, machine: machine.key, at: machine.startedAt, verdict: verdict.verdict, margin: verdict.margin };
      byClaim.set(verdict.id, [...(byClaim.get(verdict.id) ?? []), point]);
    }
  }
  return byClaim;
}

/**
 * A small history chart of one headline figure: its value per night (line
 * per machine, dot coloured by that night's verdict), its interval (bar) and
 * the threshold (dashed). Null with fewer than two nights.
 */
export function historySpec(points: readonly HistoryPoint[]): VegaLiteSpec | null {
  const unit = points[0]?.margin.unit ?? '';
  const same = points.filter((point) => point.margin.unit === unit && point.margin.figure === points[0]?.margin.figure);
  if (new Set(same.map((point) => point.at)).size < 2) return null;
  const shown = (value: number | undefined): number | null => (isFigure(value) ? round(scaled(value, unit)) : null);
  const values = same.map((point) => ({ machine: point.machine, at: point.at, verdict: point.verdict, value: shown(point.margin.value), ...logInterval('low', 'high', shown(point.margin.low), shown(point.margin.high)) }));
  const first = same[0] as HistoryPoint;
  const thresholds = [first.margin.threshold, first.margin.thresholdHigh].filter(isFigure).map((value) => ({ threshold: shown(value) }));
  const positive = values.every((value) => (value.low ?? value.value ?? 0) > 0) && thresholds.every((value) => (value.threshold ?? 0) > 0);
  const spread = Math.max(...values.map((value) => value.high ?? value.value ?? 0)) / Math.min(...values.map((value) => value.low ?? value.value ?? Number.POSITIVE_INFINITY));
  const y = (field: string): Record<string, unknown> => ({ field, type: 'quantitative', title: shownUnit(unit), scale: { type: positive && spread > 30 ? 'log' : 'linear', zero: false } });
  const x = { field: 'at', type: 'temporal', title: null, axis: { format: '%b %d', labelAngle: 0, tickCount: 4 } };
  const machines = new Set(values.map((value) => value.machine));
  const stroke = machines.size > 1 ? { field: 'machine', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 140 } } : { value: '#546e7a' };
  return {
    ...base(null, values),
    width: 220,
    height: 70,
    layer: [
      ...(thresholds.length ? [{ data: { values: thresholds }, mark: { type: 'rule', strokeDash: [4, 3], color: '#9e9e9e' }, encoding: { y: y('threshold') } }] : []),
      { mark: { type: 'rule', strokeWidth: 1.5, opacity: 0.6 }, encoding: { x, y: y('low'), y2: { field: 'high' }, stroke } },
      { mark: { type: 'line', strokeWidth: 1 }, encoding: { x, y: y('value'), stroke } },
      {
        mark: { type: 'point', filled: true, size: 40, opacity: 1 },
        encoding: {
          x, y: y('value'),
          fill: { field: 'verdict', type: 'nominal', legend: null, scale: { domain: Object.keys(VERDICT_COLOURS), range: Object.values(VERDICT_COLOURS) } },
          stroke,
          tooltip: [{ field: 'at', type: 'temporal', format: '%Y-%m-%d %H:%M' }, { field: 'machine' }, { field: 'verdict' }, { field: 'value' }, { field: 'low' }, { field: 'high' }],
        },
      },
    ],
  };
}

/** What the report compares tonight's results with, when asked. */
export interface ReportContext {
  /** Tonight against the baseline (`wsb report --baseline`, or the latest past result of `--history`). */
  comparison?: Comparison;
  /** Past results, oldest first (`--history`); tonight's are added to them for the history charts. */
  history?: readonly MergedResult[];
  /** Notes about what was given but not used (a past result of another schema), one line each. */
  notes?: readonly string[];
}

/** How many past results the history charts show at the most (the latest ones): two months of nights. */
export const HISTORY_NIGHTS = 60;

/**
 * The comparisons of a report: with the baseline when one is given, else
 * with the latest past result measured before tonight; the past results
 * (the latest {@link HISTORY_NIGHTS}), oldest first, for the history charts.
 */
export function reportContext(current: MergedResult, options: { baseline?: MergedResult; history?: readonly MergedResult[]; notes?: readonly string[] }): ReportContext {
  const tonight = measuredAt(current);
  const history = [...(options.history ?? [])].filter((past) => measuredAt(past) < tonight).sort((a, b) => measuredAt(a).localeCompare(measuredAt(b))).slice(-HISTORY_NIGHTS);
  const baseline = options.baseline ?? history.at(-1);
  return {
    ...(baseline ? { comparison: compareWithBaseline(current, baseline) } : {}),
    ...(history.length ? { history } : {}),
    ...(options.notes?.length ? { notes: options.notes } : {}),
  };
}

/**
 * The ledger alone: every machine's environment and verdicts (with their
 * margins and other engines, without evidence rows) and no measurement or
 * outcome rows. What the nightly keeps per night (verdicts.json), and all
 * that --baseline and --history need.
 */
export function verdictsOnly(result: MergedResult): MergedResult {
  return { ...result, claims: result.claims.map((claim) => ({ ...claim, evidence: [] })), measurements: [], outcomes: [] };
}
