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

/** The load engines whose closed-loop rows can decide, by the phase their rows carry. */
export const LOAD_PHASES = [
  { engine: 'autocannon', phase: 'closed-loop' },
  { engine: 'Locust', phase: 'locust-closed-loop' },
] as const;

/** Every closed-loop target's rounds, median and range, for one load engine's phase. */
export function roundFigures(rows: readonly Measurement[], phase = 'closed-loop'): RoundFigure[] {
  const byTarget = new Map<string, Measurement[]>();
  for (const row of rows) {
    if (row.suite !== 'throughput' || row.phase !== phase || row.metric !== 'requests-per-second') continue;
    const label = `${row.runner}|${row.config}|${row.lifecycle}|${row.apps ?? ''}`;
    byTarget.set(label, [...(byTarget.get(label) ?? []), row]);
  }
  return [...byTarget.values()].map((list) => {
    const values = list.map((r) => r.value);
    const first = list[0] as Measurement;
    return { runner: first.runner, config: first.config, lifecycle: first.lifecycle, ...(first.apps !== undefined ? { apps: first.apps } : {}), median: percentile(values, 0.5), min: Math.min(...values), max: Math.max(...values), rounds: values.length, row: first };
  });
}

/** Whether a throughput target failed (verification, or under this load engine's load) in this run. */
function failedUnderLoad(outcomes: readonly Outcome[], target: RoundFigure, phase: string): Outcome | undefined {
  const locust = phase.startsWith('locust');
  return outcomes.find(
    (o) =>
      o.suite === 'throughput' && o.outcome === 'failed' && o.runner === target.runner && o.config === target.config && o.lifecycle === target.lifecycle &&
      (target.apps === undefined ? o.subject === 'cell' : o.subject === `cell apps=${target.apps}`) &&
      (o.condition === 'verification' || o.condition.startsWith('locust') === locust),
  );
}

/** One load engine's judgement: per Wasm engine, with the harness's own ceilings of the same engine. */
interface LoadJudgement {
  engine: string;
  canTell: boolean;
  ceilingText: string;
  perEngine: (EngineVerdict & { evidence: Measurement[] })[];
  othersText: string;
  evidence: Measurement[];
}

function judgeWith(rows: readonly Measurement[], outcomes: readonly Outcome[], cores: number, load: (typeof LOAD_PHASES)[number]): LoadJudgement | null {
  const figures = roundFigures(rows, load.phase);
  const single = figures.filter((f) => f.apps === undefined);
  const ceiling = single.find((f) => f.runner === 'front-noop');
  if (!ceiling) return null;
  const loadgen = single.find((f) => f.runner === 'loadgen-ceiling');
  const spins = single.filter((f) => f.runner === 'front-spin');
  const share = (rps: number): string => `${((rps / ceiling.median) * 100).toFixed(0)}%`;
  const range = (f: RoundFigure): string => `${fmt(f.median)} (range of ${f.rounds} rounds ${fmt(f.min)}-${fmt(f.max)})`;
  const ceilingText = `the front's no-op ceiling under ${load.engine} ${range(ceiling)}, ${fmt(ceiling.median / cores)} per core`;
  const spinText = spins.length ? `; the no-op route with a fixed CPU spin keeps ${spins.map((f) => `${share(f.median)} at ${f.config.replace(/^spin=/, '')}`).join(', ')}` : '';
  const loadgenText = loadgen
    ? `${load.engine} against the simplest server: ${range(loadgen)}${loadgen.median < ceiling.median * LOADGEN_MARGIN ? ' (close to the front ceiling: the load generator may be the bottleneck)' : ''}`
    : `${load.engine}'s own ceiling not measured`;
  const canTell = ceiling.min >= THROUGHPUT_TARGET_RPS;
  const cellRows = single.filter((f) => !(HARNESS_RUNNERS as readonly string[]).includes(f.runner) && f.lifecycle === 'cold');
  const perEngine = wasmEnginesIn(cellRows).map((engine): EngineVerdict & { evidence: Measurement[] } => {
    const judged = judgedLabel(engine.runner, engine.config, 'cold');
    const cell = cellRows.find((f) => f.runner === engine.runner && f.config === engine.config) as RoundFigure;
    const evidence = [{ ...cell.row, value: cell.median }];
    const failure = failedUnderLoad(outcomes, cell, load.phase);
    if (failure) return { judged, runner: engine.runner, verdict: 'inconclusive', reason: `${judged} failed under ${load.engine} (${failure.condition}: ${failure.detail}); a failed cell never decides.`, evidence };
    const margin: Margin = { figure: `${judged} closed-loop requests/s through the front (${load.engine})`, unit: 'req/s', value: cell.median, low: cell.min, high: cell.max, interval: `range of ${cell.rounds} interleaved rounds`, confirmsWhen: 'at-least', threshold: THROUGHPUT_TARGET_RPS, n: cell.rounds };
    const decided = judgeMargin(margin, 3);
    const mix = figures.find((f) => f.runner === engine.runner && f.config === engine.config && f.apps !== undefined && f.apps > 1);
    const mixText = mix ? `; ${mix.apps} distinct apps through one route: ${range(mix)}, ${((mix.median / cell.median) * 100).toFixed(0)}% of one app's` : '';
    const verdict = decided.verdict === 'refuted' && !canTell ? 'inconclusive' : decided.verdict;
    const why = verdict === decided.verdict ? decided.why : `below ${fmt(THROUGHPUT_TARGET_RPS)}, but the front's no-op ceiling under ${load.engine} does not reach it in every round here (${fmt(ceiling.min)} at its lowest), so this harness cannot tell`;
    const reason = `${judged} under ${load.engine}: ${range(cell)}, ${share(cell.median)} of ${ceilingText}${spinText}${mixText}; ${loadgenText}. ${why} (${describeMargin(margin, fmt)}).`;
    return { judged, runner: engine.runner, verdict, reason, margin, evidence };
  });
  const others = single.filter((f) => !(HARNESS_RUNNERS as readonly string[]).includes(f.runner) && !f.runner.startsWith('wasm') && f.lifecycle === 'cold');
  const othersText = others.length ? ` Other substrates (cold, through the same front, ${load.engine}): ${others.map((f) => `${judgedLabel(f.runner, f.config, f.lifecycle)} ${fmt(f.median)}${failedUnderLoad(outcomes, f, load.phase) ? ' (failed)' : ''}`).join('; ')}.` : '';
  const evidence = [ceiling, ...(loadgen ? [loadgen] : []), ...spins, ...others].map((f) => ({ ...f.row, value: f.median }));
  return { engine: load.engine, canTell, ceilingText, perEngine, othersText, evidence };
}

/**
 * Decides `throughput-100k`. Each load engine that ran (autocannon always,
 * Locust with --load locust) judges the representative against its own
 * ceiling of the same run. Only a load engine whose no-op ceiling reached
 * 100k in every round can refute; where several can tell and disagree, the
 * verdict is inconclusive; otherwise autocannon's judgement heads the ledger.
 */
export function decideThroughput(rows: readonly Measurement[], outcomes: readonly Outcome[], cores: number): ClaimVerdict {
  const id = 'throughput-100k';
  const measured = claimById(id).decidedBy;
  const threshold = `the representative's closed-loop requests/s through the common HTTP front >= ${fmt(THROUGHPUT_TARGET_RPS)} on this host (${cores} cores): the whole range of its interleaved rounds at or above confirms; wholly below refutes only when the front's no-op ceiling, under the same load engine, itself reaches ${fmt(THROUGHPUT_TARGET_RPS)} in every round (otherwise the harness, not the substrate, is the limit: inconclusive); with several load engines, one whose ceiling can tell decides, and two that can tell must agree`;
  const judgements = LOAD_PHASES.map((load) => judgeWith(rows, outcomes, cores, load)).filter((j): j is LoadJudgement => j !== null);
  if (!judgements.length) return notRun(id, 'the no-op ceiling was not measured');
  const headlineOf = (j: LoadJudgement) => j.perEngine.find((entry) => entry.runner === REFERENCE_WASM_RUNNER);
  const telling = judgements.filter((j) => j.canTell && headlineOf(j));
  const chosen = telling[0] ?? judgements[0]!;
  const reference = headlineOf(chosen);
  const engines: EngineVerdict[] = chosen.perEngine.filter((entry) => entry !== reference).map(({ evidence: _evidence, ...entry }) => entry);
  const besideText = judgements.filter((j) => j !== chosen).map((j) => {
    const ref = headlineOf(j);
    return ref ? ` Beside it, ${ref.reason}` : ` ${j.engine}: no reference cell; ${j.ceilingText}.`;
  }).join('');
  if (!reference) return { ...notRun(id, `no fresh-instance cell of the reference runtime (wasm) was measured under load; ${chosen.ceilingText}.`), engines, evidence: chosen.evidence };
  const disagree = telling.length > 1 && new Set(telling.map((j) => headlineOf(j)!.verdict)).size > 1;
  const verdict = disagree ? 'inconclusive' : reference.verdict;
  const disagreeText = disagree ? ` The load engines that can tell disagree (${telling.map((j) => `${j.engine}: ${headlineOf(j)!.verdict}`).join(', ')}): inconclusive.` : '';
  return { id, verdict, judged: reference.judged, ...(reference.margin ? { margin: reference.margin } : {}), engines, measured, threshold, evidence: [...reference.evidence, ...judgements.flatMap((j) => j.evidence)], reason: `${reference.reason}${chosen.othersText}${besideText}${disagreeText}` };
}
