/**
 * Verdicts of the cold-start claims, computed from the rows of one run, on
 * the declared representatives only (suites/representatives.ts): the
 * reference Wasm runtime heads each verdict, every other Wasm engine's
 * representative is judged beside it, the container and process figures are
 * those of their representatives. Every verdict is decided on an interval
 * (judgeMargin); every ratio is between cells of the same run.
 */
import { claimById, describeMargin, judgeMargin, notRun } from '../../core/claims.ts';
import type { ClaimVerdict, EngineVerdict, Margin, Measurement } from '../../core/results.ts';
import { MIN_SAMPLES_FOR_P99, ratioOfMedians, summarize } from '../../core/stats.ts';
import { CONTAINER_RUNNER, PROCESS_RUNNER, REFERENCE_WASM_RUNNER, REPRESENTATIVES, judgedLabel, wasmEnginesIn } from '../representatives.ts';
import type { UnavailableRunner } from '../types.ts';
import { CLI_CLIENT } from '../../runners/container/cli-cell.ts';

const MS = 1e6;
/** "Less than a millisecond". */
export const SUB_MS_THRESHOLD_NS = 1 * MS;
/** "Several orders of magnitude": two orders, as DESIGN.md section 1 states. */
export const ORDERS_THRESHOLD = 100;
/** "A few seconds or longer": at least one second at the median. */
export const CONTAINER_SECONDS_THRESHOLD_NS = 1000 * MS;
/** "Considerable" idle cost: a slot holding at least ten times a pre-warmed Wasm slot's memory. */
export const IDLE_COST_FACTOR = 10;
/** The suite's container cold start plus teardown should be within this factor of `docker run --rm` (the CLI calibration). */
export const CLI_CALIBRATION_FACTOR = 1.25;
/** Samples each side of a ratio needs (the median's interval needs six). */
const MIN_SAMPLES_FOR_MEDIAN_CI = 6;

const WORKLOAD = 'hello';
const fmt = (ns: number): string => (ns >= MS ? `${(ns / MS).toPrecision(3)} ms` : `${(ns / 1e3).toPrecision(3)} us`);
const times = (ratio: number): string => `${ratio >= 100 ? ratio.toFixed(0) : ratio.toPrecision(3)}x`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

/** The representative configuration of a runner as recorded in rows (the declared one, else `default`). */
function repConfig(runner: string): string {
  return REPRESENTATIVES[runner]?.config ?? 'default';
}

/** Raw samples of one cell and phase of the `hello` workload. */
export function cellSamples(rows: readonly Measurement[], runner: string, config: string, lifecycle: string, phase: string): number[] {
  return rows.filter((r) => r.suite === 'coldstart' && r.workload === WORKLOAD && r.stat === 'sample' && r.phase === phase && r.lifecycle === lifecycle && r.runner === runner && r.config === config).map((r) => r.value);
}

/** Summary rows of one cell and phase (the evidence). */
function cellSummary(rows: readonly Measurement[], runner: string, config: string, lifecycle: string, phase: string): Measurement[] {
  return rows.filter((r) => r.suite === 'coldstart' && r.workload === WORKLOAD && r.stat !== 'sample' && r.phase === phase && r.lifecycle === lifecycle && r.runner === runner && r.config === config && ['count', 'p50', 'p99', 'ci95-low', 'ci95-high', 'p99-ci95-low', 'p99-ci95-high'].includes(r.stat));
}

/** A timing in words: `p50 41.2 us (95% CI 40.1-42.3 us), p99 310 us, n=1000` (no p99 below 100 samples). */
export function describeTiming(samples: readonly number[]): string {
  const s = summarize(samples);
  const ci = Number.isFinite(s.ci95Low) ? ` (95% CI ${fmt(s.ci95Low)}-${fmt(s.ci95High)})` : '';
  const p99 = Number.isFinite(s.p99) ? `, p99 ${fmt(s.p99)}` : '';
  return `p50 ${fmt(s.p50)}${ci}${p99}, n=${s.count}`;
}

function unavailableReason(unavailable: readonly UnavailableRunner[], runner: string): string {
  const entry = unavailable.find((u) => u.runner === runner);
  return entry ? `the ${runner} runner is unavailable here: ${entry.reason}` : `no ${runner} cell was measured (runner not selected or its cells failed)`;
}

/** The Wasm engines with a cold L1 (or pre-warmed idle) figure on their representative, reference first. */
function enginesWith(rows: readonly Measurement[], phase: string, lifecycle: string): { runner: string; config: string }[] {
  return wasmEnginesIn(rows.filter((r) => r.suite === 'coldstart' && r.workload === WORKLOAD && r.phase === phase && r.lifecycle === lifecycle));
}

/** Splits per-engine verdicts into the headline (the reference runtime's) and the rest. */
function headline(id: string, perEngine: (EngineVerdict & { base: Omit<ClaimVerdict, 'id' | 'verdict' | 'reason' | 'judged' | 'margin' | 'engines'> })[], missing: string): ClaimVerdict {
  const reference = perEngine.find((entry) => entry.runner === REFERENCE_WASM_RUNNER);
  const engines: EngineVerdict[] = perEngine.filter((entry) => entry !== reference).map(({ base: _base, ...entry }) => entry);
  if (!reference) {
    const beside = engines.length ? ` Other engines: ${engines.map((e) => `${e.judged} ${e.verdict}`).join('; ')}.` : '';
    return { ...notRun(id, `${missing}.${beside}`), engines };
  }
  return { id, verdict: reference.verdict, reason: reference.reason, judged: reference.judged, ...(reference.margin ? { margin: reference.margin } : {}), engines, ...reference.base };
}

/** Decides coldstart-sub-ms, coldstart-orders-of-magnitude, container-start-seconds and prewarm-idle-cost. */
export function decideColdstart(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict[] {
  return [subMs(rows), ordersOfMagnitude(rows, unavailable), containerSeconds(rows, unavailable), prewarmIdleCost(rows, unavailable)];
}

function subMs(rows: readonly Measurement[]): ClaimVerdict {
  const id = 'coldstart-sub-ms';
  const perEngine = enginesWith(rows, 'L1', 'cold').map((engine) => {
    const judged = judgedLabel(engine.runner, engine.config, 'cold');
    const samples = cellSamples(rows, engine.runner, engine.config, 'cold', 'L1');
    const s = summarize(samples);
    const margin: Margin = { figure: 'L1 p99 of hello', unit: 'ns', value: s.p99, low: s.p99Ci95Low, high: s.p99Ci95High, interval: '95% CI (order statistics)', confirmsWhen: 'below', threshold: SUB_MS_THRESHOLD_NS, n: s.count };
    const decided = judgeMargin(margin, MIN_SAMPLES_FOR_P99);
    const l2 = cellSamples(rows, engine.runner, engine.config, 'cold', 'L2');
    const l2Text = l2.length ? ` Over HTTP (L2, first byte through the common front): ${describeTiming(l2)}.` : '';
    const reason = `${judged} L1 ${describeTiming(samples)}: ${decided.why} (${describeMargin(margin, fmt)}).${l2Text}`;
    const base = {
      measured: 'L1 of hello: request in to complete response out, in-process, on a fresh instance (the representative, cold lifecycle)',
      threshold: `p99 < 1 ms: the p99's whole 95% interval below 1 ms confirms, its whole interval at or above refutes, a straddling one is inconclusive; no p99 from fewer than ${MIN_SAMPLES_FOR_P99} samples`,
      evidence: [...cellSummary(rows, engine.runner, engine.config, 'cold', 'L1'), ...cellSummary(rows, engine.runner, engine.config, 'cold', 'L2')],
    };
    return { judged, runner: engine.runner, verdict: decided.verdict, reason, margin, base };
  });
  return headline(id, perEngine, 'no cold cell of the reference runtime (wasm) was measured');
}

function ordersOfMagnitude(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'coldstart-orders-of-magnitude';
  const containerConfig = repConfig(CONTAINER_RUNNER);
  const container = cellSamples(rows, CONTAINER_RUNNER, containerConfig, 'cold', 'L1');
  const processSamples = cellSamples(rows, PROCESS_RUNNER, repConfig(PROCESS_RUNNER), 'cold', 'L1');
  const containerLabel = judgedLabel(CONTAINER_RUNNER, containerConfig, 'cold');
  const processLabel = judgedLabel(PROCESS_RUNNER, repConfig(PROCESS_RUNNER), 'cold');
  const threshold = `container cold start / Wasm cold start >= ${ORDERS_THRESHOLD}x (two orders of magnitude), medians of L1 hello in the same run: the ratio's whole 95% bootstrap interval at or above ${ORDERS_THRESHOLD}x confirms, its whole interval below refutes, a straddling one is inconclusive`;
  const perEngine = enginesWith(rows, 'L1', 'cold').map((engine) => {
    const judged = judgedLabel(engine.runner, engine.config, 'cold');
    const wasm = cellSamples(rows, engine.runner, engine.config, 'cold', 'L1');
    const base = { measured: claimById(id).decidedBy, threshold, evidence: [...cellSummary(rows, engine.runner, engine.config, 'cold', 'L1'), ...cellSummary(rows, CONTAINER_RUNNER, containerConfig, 'cold', 'L1'), ...cellSummary(rows, PROCESS_RUNNER, repConfig(PROCESS_RUNNER), 'cold', 'L1')] };
    const processText = processSamples.length >= 2 ? ` Process (${processLabel}, ${describeTiming(processSamples)}): ${ratioText(processSamples, wasm)}.` : '';
    if (!container.length) {
      return { judged, runner: engine.runner, verdict: 'not-run' as const, reason: `${unavailableReason(unavailable, CONTAINER_RUNNER)}; no VM can be measured here (no KVM).${processText}`, base };
    }
    const estimate = ratioOfMedians(container, wasm);
    const margin: Margin = { figure: `${containerLabel} L1 p50 / ${judged} L1 p50`, unit: 'ratio', value: estimate.ratio, low: estimate.ci95Low, high: estimate.ci95High, interval: '95% CI (bootstrap)', confirmsWhen: 'at-least', threshold: ORDERS_THRESHOLD, n: Math.min(container.length, wasm.length) };
    const decided = judgeMargin(margin, MIN_SAMPLES_FOR_MEDIAN_CI);
    const reason = `Container (${containerLabel}, ${describeTiming(container)}) / ${judged} (${describeTiming(wasm)}) = ${times(estimate.ratio)}: ${decided.why} (${describeMargin(margin, times)}).${processText} VMs are not measured here (no KVM).`;
    return { judged, runner: engine.runner, verdict: decided.verdict, reason, margin, base };
  });
  return headline(id, perEngine, 'no cold cell of the reference runtime (wasm) was measured');
}

/** `A / B = 12.3x (95% CI 11.9-12.8x)`. */
function ratioText(numerator: readonly number[], denominator: readonly number[]): string {
  const estimate = ratioOfMedians(numerator, denominator);
  const ci = Number.isFinite(estimate.ci95Low) ? ` (95% CI ${times(estimate.ci95Low)}-${times(estimate.ci95High)})` : '';
  return `${times(estimate.ratio)}${ci} the Wasm median`;
}

function containerSeconds(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'container-start-seconds';
  const config = repConfig(CONTAINER_RUNNER);
  const judged = judgedLabel(CONTAINER_RUNNER, config, 'cold');
  const samples = cellSamples(rows, CONTAINER_RUNNER, config, 'cold', 'L1');
  if (!samples.length) return notRun(id, unavailableReason(unavailable, CONTAINER_RUNNER));
  const s = summarize(samples);
  const margin: Margin = { figure: 'container L1 p50 of hello', unit: 'ns', value: s.p50, low: s.ci95Low, high: s.ci95High, interval: '95% CI (order statistics)', confirmsWhen: 'at-least', threshold: CONTAINER_SECONDS_THRESHOLD_NS, n: s.count };
  const decided = judgeMargin(margin, MIN_SAMPLES_FOR_MEDIAN_CI);
  const teardown = cellSamples(rows, CONTAINER_RUNNER, config, 'cold', 'teardown');
  const cost = cellSamples(rows, CONTAINER_RUNNER, config, 'cold', 'request-cost');
  const cli = cellSamples(rows, CONTAINER_RUNNER, `${config},${CLI_CLIENT}`, 'cold', 'request-cost');
  const variants = [...new Set(rows.filter((r) => r.suite === 'coldstart' && r.runner === CONTAINER_RUNNER && r.phase === 'L1' && r.lifecycle === 'cold' && r.config !== config && r.workload === WORKLOAD).map((r) => r.config))];
  const parts = [`${judged} L1 ${describeTiming(samples)}: ${decided.why} (${describeMargin(margin, fmt)}).`];
  if (teardown.length) parts.push(`Teardown (wait and removal, its own phase): ${describeTiming(teardown)}; per-request cost (L1 + teardown): ${describeTiming(cost)}.`);
  if (cli.length && cost.length) {
    const estimate = ratioOfMedians(cost, cli);
    const ci = Number.isFinite(estimate.ci95Low) ? ` (95% CI ${estimate.ci95Low.toFixed(2)}-${estimate.ci95High.toFixed(2)})` : '';
    const within = Number.isFinite(estimate.ci95Low) && estimate.ci95Low <= CLI_CALIBRATION_FACTOR ? 'within' : 'NOT within';
    parts.push(`Calibration: \`docker run --rm -i\` of the same image and flags through the Docker CLI took ${describeTiming(cli)}; the suite's per-request cost is ${estimate.ratio.toFixed(2)}x${ci} of it, ${within} the ${CLI_CALIBRATION_FACTOR}x the suite allows its own path.`);
  } else parts.push('No Docker CLI calibration in this run.');
  for (const variant of variants) parts.push(`Variant ${judgedLabel(CONTAINER_RUNNER, variant, 'cold')}: L1 ${describeTiming(cellSamples(rows, CONTAINER_RUNNER, variant, 'cold', 'L1'))} (not deciding).`);
  parts.push('An image built FROM scratch with a static binary, already present (no pull).');
  return {
    id,
    verdict: decided.verdict,
    judged,
    margin,
    measured: 'container create + attach + start + request + complete response (L1), hello, Docker engine on this host; wait and removal reported apart as teardown',
    threshold: 'median >= 1 s ("a few seconds or longer"): the median\'s whole 95% interval at or above 1 s confirms, its whole interval below refutes',
    evidence: [...cellSummary(rows, CONTAINER_RUNNER, config, 'cold', 'L1'), ...cellSummary(rows, CONTAINER_RUNNER, config, 'cold', 'teardown'), ...cellSummary(rows, CONTAINER_RUNNER, config, 'cold', 'request-cost'), ...cellSummary(rows, CONTAINER_RUNNER, `${config},${CLI_CLIENT}`, 'cold', 'request-cost')],
    reason: parts.join(' '),
  };
}

/** Idle memory per waiting slot of one pre-warmed cell: median of the readings and their range. */
function idleFigure(rows: readonly Measurement[], runner: string, config: string): { median: number; low: number; high: number; n: number; rows: Measurement[] } | null {
  const found = rows.filter((r) => r.suite === 'coldstart' && r.workload === WORKLOAD && r.phase === 'idle' && r.metric === 'rss-per-slot' && r.lifecycle === 'prewarmed' && r.runner === runner && r.config === config);
  const stat = (s: Measurement['stat']): number | undefined => found.find((r) => r.stat === s)?.value;
  const median = stat('value');
  if (median === undefined) return null;
  return { median, low: stat('min') ?? Number.NaN, high: stat('max') ?? Number.NaN, n: stat('count') ?? 1, rows: found };
}

function prewarmIdleCost(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'prewarm-idle-cost';
  const containerConfig = repConfig(CONTAINER_RUNNER);
  const container = idleFigure(rows, CONTAINER_RUNNER, containerConfig);
  const processFigure = idleFigure(rows, PROCESS_RUNNER, repConfig(PROCESS_RUNNER));
  const containerLabel = judgedLabel(CONTAINER_RUNNER, containerConfig, 'prewarmed');
  const describe = (f: NonNullable<ReturnType<typeof idleFigure>>): string => `${kib(f.median)} per slot (range of ${f.n} readings ${Number.isFinite(f.low) ? `${kib(f.low)}-${kib(f.high)}` : 'none'})`;
  const cpuOf = (runner: string, config: string): string => {
    const cpu = rows.find((r) => r.suite === 'coldstart' && r.workload === WORKLOAD && r.phase === 'idle' && r.metric === 'cpu-per-slot' && r.lifecycle === 'prewarmed' && r.runner === runner && r.config === config && r.stat === 'value');
    return cpu ? `, ${(cpu.value * 100).toFixed(2)}% of a core per slot` : '';
  };
  const threshold = `a pre-warmed container slot (${containerLabel}) holds >= ${IDLE_COST_FACTOR}x the memory of a pre-warmed Wasm slot: the ratio's interval (container readings' range over the Wasm readings' range) wholly at or above ${IDLE_COST_FACTOR}x confirms, wholly below refutes`;
  const perEngine = wasmEnginesIn(rows.filter((r) => r.suite === 'coldstart' && r.phase === 'idle' && r.lifecycle === 'prewarmed')).map((engine) => {
    const judged = judgedLabel(engine.runner, engine.config, 'prewarmed');
    const wasm = idleFigure(rows, engine.runner, engine.config);
    const base = { measured: 'resident memory and CPU of each waiting pre-warmed slot (hello), per substrate, read several times while idle', threshold, evidence: [...(wasm?.rows ?? []), ...(container?.rows ?? []), ...(processFigure?.rows ?? [])] };
    const processText = processFigure ? ` Process (${judgedLabel(PROCESS_RUNNER, repConfig(PROCESS_RUNNER), 'prewarmed')}): ${describe(processFigure)}${cpuOf(PROCESS_RUNNER, repConfig(PROCESS_RUNNER))}.` : '';
    if (!wasm) return { judged, runner: engine.runner, verdict: 'not-run' as const, reason: `${judged} reported no idle figure.`, base };
    if (!container) return { judged, runner: engine.runner, verdict: 'not-run' as const, reason: `${unavailableReason(unavailable, CONTAINER_RUNNER)}. ${judged}: ${describe(wasm)}.${processText}`, base };
    const margin: Margin = { figure: `${containerLabel} idle memory per slot / ${judged}'s`, unit: 'ratio', value: container.median / wasm.median, low: container.low / wasm.high, high: container.high / wasm.low, interval: 'range of the readings', confirmsWhen: 'at-least', threshold: IDLE_COST_FACTOR, n: Math.min(container.n, wasm.n) };
    const decided = judgeMargin(margin);
    const reason = `Container ${describe(container)}${cpuOf(CONTAINER_RUNNER, containerConfig)} vs ${judged} ${describe(wasm)}${cpuOf(engine.runner, engine.config)}: ${decided.why} (${describeMargin(margin, times)}).${processText}`;
    return { judged, runner: engine.runner, verdict: decided.verdict, reason, margin, base };
  });
  return headline(id, perEngine, 'no pre-warmed cell of the reference runtime (wasm) reported its idle cost');
}
