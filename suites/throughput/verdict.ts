/**
 * The `throughput-100k` verdict, computed from the closed-loop rows of one
 * run on the declared representatives (suites/representatives.ts): the
 * reference Wasm runtime's fresh-instance cell heads the verdict, every
 * other Wasm engine's representative is judged beside it, with the harness
 * ceilings (the front's no-op route, the load generator alone) from the same
 * run. Each figure is the median of interleaved rounds with the range of the
 * rounds as its interval; a cell that failed (wrong answers, errors) never
 * decides.
 */
import { claimById, describeMargin, judgeMargin, notRun } from '../../core/claims.ts';
import type { ClaimVerdict, EngineVerdict, Margin, Measurement, Outcome } from '../../core/results.ts';
import { percentile } from '../../core/stats.ts';
import { REFERENCE_WASM_RUNNER, judgedLabel, wasmEnginesIn } from '../representatives.ts';

/** The figure the claim states. */
export const THROUGHPUT_TARGET_RPS = 100_000;

/** A load generator closer than this to the front's ceiling is named as a possible bottleneck. */
const LOADGEN_MARGIN = 1.2;

/** Harness rows (ceilings and calibrations), never substrates. */
export const HARNESS_RUNNERS = ['front-noop', 'loadgen-ceiling', 'front-spin'] as const;

const fmt = (rps: number): string => `${Math.round(rps).toLocaleString('en-US')} req/s`;

/** One target's closed-loop requests/s over the rounds. */
export interface RoundFigure {
  runner: string;
  config: string;
  lifecycle: string;
  apps?: number;
  median: number;
  min: number;
  max: number;
  rounds: number;
  row: Measurement;
}

/** Every closed-loop target's rounds, median and range. */
export function roundFigures(rows: readonly Measurement[]): RoundFigure[] {
  const byTarget = new Map<string, Measurement[]>();
  for (const row of rows) {
    if (row.suite !== 'throughput' || row.phase !== 'closed-loop' || row.metric !== 'requests-per-second') continue;
    const label = `${row.runner}|${row.config}|${row.lifecycle}|${row.apps ?? ''}`;
    byTarget.set(label, [...(byTarget.get(label) ?? []), row]);
  }
  return [...byTarget.values()].map((list) => {
    const values = list.map((r) => r.value);
    const first = list[0] as Measurement;
    return { runner: first.runner, config: first.config, lifecycle: first.lifecycle, ...(first.apps !== undefined ? { apps: first.apps } : {}), median: percentile(values, 0.5), min: Math.min(...values), max: Math.max(...values), rounds: values.length, row: first };
  });
}

/** Whether a throughput target has a failed outcome (verification or under load) in this run. */
function failedUnderLoad(outcomes: readonly Outcome[], target: RoundFigure): Outcome | undefined {
  return outcomes.find((o) => o.suite === 'throughput' && o.outcome === 'failed' && o.runner === target.runner && o.config === target.config && o.lifecycle === target.lifecycle && (target.apps === undefined ? o.subject === 'cell' : o.subject === `cell apps=${target.apps}`));
}

/** Decides `throughput-100k` from the throughput suite's rows and outcomes. */
export function decideThroughput(rows: readonly Measurement[], outcomes: readonly Outcome[], cores: number): ClaimVerdict {
  const id = 'throughput-100k';
  const figures = roundFigures(rows);
  const single = figures.filter((f) => f.apps === undefined);
  const ceiling = single.find((f) => f.runner === 'front-noop');
  const loadgen = single.find((f) => f.runner === 'loadgen-ceiling');
  const spins = single.filter((f) => f.runner === 'front-spin');
  const measured = claimById(id).decidedBy;
  const threshold = `the representative's closed-loop requests/s through the common HTTP front >= ${fmt(THROUGHPUT_TARGET_RPS)} on this host (${cores} cores): the whole range of its interleaved rounds at or above confirms; wholly below refutes only when the front's no-op ceiling itself reaches ${fmt(THROUGHPUT_TARGET_RPS)} in every round (otherwise the harness, not the substrate, is the limit: inconclusive)`;
  if (!ceiling) return notRun(id, 'the no-op ceiling was not measured');
  const share = (rps: number): string => `${((rps / ceiling.median) * 100).toFixed(0)}%`;
  const range = (f: RoundFigure): string => `${fmt(f.median)} (range of ${f.rounds} rounds ${fmt(f.min)}-${fmt(f.max)})`;
  const ceilingText = `the front's no-op ceiling ${range(ceiling)}, ${fmt(ceiling.median / cores)} per core`;
  const spinText = spins.length ? `; the no-op route with a fixed CPU spin keeps ${spins.map((f) => `${share(f.median)} at ${f.config.replace(/^spin=/, '')}`).join(', ')}` : '';
  const loadgenText = loadgen
    ? `load generator alone: ${range(loadgen)}${loadgen.median < ceiling.median * LOADGEN_MARGIN ? ' (close to the front ceiling: the load generator may be the bottleneck)' : ''}`
    : 'load generator ceiling not measured';
  const harnessCanTell = ceiling.min >= THROUGHPUT_TARGET_RPS;
  const cellRows = single.filter((f) => !(HARNESS_RUNNERS as readonly string[]).includes(f.runner) && f.lifecycle === 'cold');
  const perEngine = wasmEnginesIn(cellRows).map((engine): EngineVerdict & { evidence: Measurement[] } => {
    const judged = judgedLabel(engine.runner, engine.config, 'cold');
    const cell = cellRows.find((f) => f.runner === engine.runner && f.config === engine.config) as RoundFigure;
    const evidence = [{ ...cell.row, value: cell.median }];
    const failure = failedUnderLoad(outcomes, cell);
    if (failure) return { judged, runner: engine.runner, verdict: 'inconclusive', reason: `${judged} failed (${failure.condition}: ${failure.detail}); a failed cell never decides.`, evidence };
    const margin: Margin = { figure: `${judged} closed-loop requests/s through the front`, unit: 'req/s', value: cell.median, low: cell.min, high: cell.max, interval: `range of ${cell.rounds} interleaved rounds`, confirmsWhen: 'at-least', threshold: THROUGHPUT_TARGET_RPS, n: cell.rounds };
    const decided = judgeMargin(margin, 3);
    const mix = figures.find((f) => f.runner === engine.runner && f.config === engine.config && f.apps !== undefined && f.apps > 1);
    const mixText = mix ? `; ${mix.apps} distinct apps through one route: ${range(mix)}, ${((mix.median / cell.median) * 100).toFixed(0)}% of one app's` : '';
    const verdict = decided.verdict === 'refuted' && !harnessCanTell ? 'inconclusive' : decided.verdict;
    const why = verdict === decided.verdict ? decided.why : `below ${fmt(THROUGHPUT_TARGET_RPS)}, but the front's no-op ceiling does not reach it in every round here (${fmt(ceiling.min)} at its lowest), so this host cannot tell`;
    const reason = `${judged}: ${range(cell)}, ${share(cell.median)} of ${ceilingText}${spinText}${mixText}; ${loadgenText}. ${why} (${describeMargin(margin, fmt)}).`;
    return { judged, runner: engine.runner, verdict, reason, margin, evidence };
  });
  const others = single.filter((f) => !(HARNESS_RUNNERS as readonly string[]).includes(f.runner) && !f.runner.startsWith('wasm') && f.lifecycle === 'cold');
  const othersText = others.length ? ` Other substrates (cold, through the same front): ${others.map((f) => `${judgedLabel(f.runner, f.config, f.lifecycle)} ${fmt(f.median)}${failedUnderLoad(outcomes, f) ? ' (failed)' : ''}`).join('; ')}.` : '';
  const reference = perEngine.find((entry) => entry.runner === REFERENCE_WASM_RUNNER);
  const engines: EngineVerdict[] = perEngine.filter((entry) => entry !== reference).map(({ evidence: _evidence, ...entry }) => entry);
  const evidence = [ceiling, ...(loadgen ? [loadgen] : []), ...spins, ...others].map((f) => ({ ...f.row, value: f.median }));
  if (!reference) return { ...notRun(id, `no fresh-instance cell of the reference runtime (wasm) was measured under load; ${ceilingText}.`), engines, evidence };
  return { id, verdict: reference.verdict, judged: reference.judged, ...(reference.margin ? { margin: reference.margin } : {}), engines, measured, threshold, evidence: [...reference.evidence, ...evidence], reason: `${reference.reason}${othersText}` };
}
