/**
 * Verdicts of the cold-start claims, computed from the rows of one run.
 * Every ratio is between cells of the same run; thresholds are stated in the
 * verdict next to the figures.
 */
import { claimById, notRun } from '../../core/claims.ts';
import type { ClaimVerdict, Measurement } from '../../core/results.ts';
import { ratioOfMedians } from '../../core/stats.ts';
import type { UnavailableRunner } from '../types.ts';

const MS = 1e6;
/** "Less than a millisecond". */
export const SUB_MS_THRESHOLD_NS = 1 * MS;
/** "Several orders of magnitude": two orders, as DESIGN.md section 1 states. */
export const ORDERS_THRESHOLD = 100;
/** "A few seconds or longer": at least one second at the median. */
export const CONTAINER_SECONDS_THRESHOLD_NS = 1000 * MS;
/** "Considerable" idle cost: a slot holding at least ten times a pre-warmed Wasm slot's memory. */
export const IDLE_COST_FACTOR = 10;

const fmt = (ns: number): string => (ns >= MS ? `${(ns / MS).toPrecision(3)} ms` : `${(ns / 1e3).toPrecision(3)} us`);
const label = (row: Measurement): string => `${row.runner}${row.config === 'default' ? '' : `[${row.config}]`}`;

/** Aggregate row of a cell, for the `hello` workload. */
function stat(rows: readonly Measurement[], where: Partial<Measurement>, s: Measurement['stat']): Measurement[] {
  return rows.filter((r) => r.suite === 'coldstart' && r.workload === 'hello' && r.stat === s && Object.entries(where).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v));
}

function samples(rows: readonly Measurement[], runner: string, config: string): number[] {
  return rows.filter((r) => r.suite === 'coldstart' && r.workload === 'hello' && r.phase === 'L1' && r.lifecycle === 'cold' && r.stat === 'sample' && r.runner === runner && r.config === config).map((r) => r.value);
}

function unavailableReason(unavailable: readonly UnavailableRunner[], runner: string): string {
  const entry = unavailable.find((u) => u.runner === runner);
  return entry ? `the ${runner} runner is unavailable here: ${entry.reason}` : `no ${runner} cell was measured (runner not selected or its cells failed)`;
}

/** Decides coldstart-sub-ms, coldstart-orders-of-magnitude, container-start-seconds and prewarm-idle-cost. */
export function decideColdstart(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict[] {
  return [subMs(rows), ordersOfMagnitude(rows, unavailable), containerSeconds(rows, unavailable), prewarmIdleCost(rows)];
}

function subMs(rows: readonly Measurement[]): ClaimVerdict {
  const id = 'coldstart-sub-ms';
  const p99s = stat(rows, { phase: 'L1', lifecycle: 'cold' }, 'p99').filter((r) => r.runner.startsWith('wasm'));
  if (!p99s.length) return notRun(id, 'no Wasm cold cell was measured');
  const cells = p99s.map((p99) => ({ p99, p50: stat(rows, { phase: 'L1', lifecycle: 'cold', runner: p99.runner, config: p99.config }, 'p50')[0] as Measurement }));
  cells.sort((a, b) => a.p99.value - b.p99.value);
  const best = cells[0]!;
  const all = cells.map((c) => `${label(c.p99)} p50 ${fmt(c.p50.value)}, p99 ${fmt(c.p99.value)}`).join('; ');
  const l2 = stat(rows, { phase: 'L2', lifecycle: 'cold', runner: best.p99.runner, config: best.p99.config }, 'p50')[0];
  const l2Text = l2 ? ` Over HTTP (L2) the same cell's first byte takes ${fmt(l2.value)} at p50.` : '';
  const evidence = cells.flatMap((c) => [c.p50, c.p99]).concat(l2 ? [l2] : []);
  const base = { id, measured: 'L1 (fresh instance: request in, complete response out, in-process) for hello', threshold: 'p99 < 1 ms confirms; p50 >= 1 ms refutes; between is inconclusive', evidence };
  if (best.p99.value < SUB_MS_THRESHOLD_NS) return { ...base, verdict: 'confirmed', reason: `${label(best.p99)} cold start stays under 1 ms even at p99. L1: ${all}.${l2Text}` };
  if (best.p50.value < SUB_MS_THRESHOLD_NS) return { ...base, verdict: 'inconclusive', reason: `the median is under 1 ms but the tail is not. L1: ${all}.${l2Text}` };
  return { ...base, verdict: 'refuted', reason: `even the median is 1 ms or more. L1: ${all}.${l2Text}` };
}

function ordersOfMagnitude(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'coldstart-orders-of-magnitude';
  const wasm = stat(rows, { phase: 'L1', lifecycle: 'cold', runner: 'wasm' }, 'p50').sort((a, b) => a.value - b.value)[0];
  if (!wasm) return notRun(id, 'no cold cell of the reference Wasm runner was measured');
  const wasmSamples = samples(rows, wasm.runner, wasm.config);
  const ratioText = (runner: string): { text: string; ratio: number; row: Measurement } | undefined => {
    const row = stat(rows, { phase: 'L1', lifecycle: 'cold', runner }, 'p50').sort((a, b) => a.value - b.value)[0];
    if (!row) return undefined;
    const estimate = ratioOfMedians(samples(rows, row.runner, row.config), wasmSamples);
    const ci = Number.isFinite(estimate.ci95Low) ? ` (95% CI ${estimate.ci95Low.toFixed(0)}-${estimate.ci95High.toFixed(0)}x)` : '';
    return { text: `${label(row)} ${fmt(row.value)} / ${label(wasm)} ${fmt(wasm.value)} = ${estimate.ratio.toFixed(0)}x${ci}`, ratio: estimate.ratio, row };
  };
  const container = ratioText('container');
  const processRatio = ratioText('process');
  const processText = processRatio ? ` Process: ${processRatio.text}.` : '';
  const threshold = `container cold start / Wasm cold start >= ${ORDERS_THRESHOLD}x at the median (two orders of magnitude), L1, hello, same run`;
  const measured = claimById(id).decidedBy;
  if (!container) return { ...notRun(id, `${unavailableReason(unavailable, 'container')}; no VM can be measured here (no KVM).${processText}`), evidence: processRatio ? [processRatio.row, wasm] : [wasm] };
  const evidence = [container.row, wasm, ...(processRatio ? [processRatio.row] : [])];
  const verdict = container.ratio >= ORDERS_THRESHOLD ? 'confirmed' : 'refuted';
  return { id, verdict, measured, threshold, evidence, reason: `Container: ${container.text}.${processText} VMs are not measured here (no KVM).` };
}

function containerSeconds(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'container-start-seconds';
  const p50s = stat(rows, { phase: 'L1', lifecycle: 'cold', runner: 'container' }, 'p50');
  if (!p50s.length) return notRun(id, unavailableReason(unavailable, 'container'));
  const evidence = [...p50s, ...stat(rows, { phase: 'L1', lifecycle: 'cold', runner: 'container' }, 'p99'), ...stat(rows, { phase: 'L2', lifecycle: 'cold', runner: 'container' }, 'p50')];
  const slowest = [...p50s].sort((a, b) => b.value - a.value)[0]!;
  const text = p50s.map((r) => `${label(r)} p50 ${fmt(r.value)}`).join('; ');
  return {
    id,
    verdict: slowest.value >= CONTAINER_SECONDS_THRESHOLD_NS ? 'confirmed' : 'refuted',
    measured: 'container create + start + request + response + remove (L1), hello, Docker engine on this host',
    threshold: 'median >= 1 s ("a few seconds or longer")',
    evidence,
    reason: `container cold start to complete response: ${text}. An image built FROM scratch with a static binary, already present (no pull).`,
  };
}

function prewarmIdleCost(rows: readonly Measurement[]): ClaimVerdict {
  const id = 'prewarm-idle-cost';
  const rss = rows.filter((r) => r.suite === 'coldstart' && r.workload === 'hello' && r.phase === 'idle' && r.metric === 'rss-per-slot' && r.lifecycle === 'prewarmed');
  const cpu = rows.filter((r) => r.suite === 'coldstart' && r.workload === 'hello' && r.phase === 'idle' && r.metric === 'cpu-per-slot' && r.lifecycle === 'prewarmed');
  if (!rss.length) return notRun(id, 'no pre-warmed cell reported its idle cost');
  const wasm = rss.filter((r) => r.runner.startsWith('wasm')).sort((a, b) => a.value - b.value)[0];
  const others = rss.filter((r) => !r.runner.startsWith('wasm'));
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
  const cpuOf = (r: Measurement): string => {
    const c = cpu.find((x) => x.runner === r.runner && x.config === r.config);
    return c ? `, ${(c.value * 100).toFixed(2)}% of a core` : '';
  };
  const text = rss.map((r) => `${label(r)} ${kib(r.value)}${cpuOf(r)} per slot`).join('; ');
  const base = { id, measured: 'resident memory and CPU of each waiting pre-warmed slot (hello), per substrate', threshold: `a pre-warmed process or container slot holds >= ${IDLE_COST_FACTOR}x the memory of a pre-warmed Wasm slot`, evidence: [...rss, ...cpu] };
  if (!wasm || !others.length) return { ...base, verdict: 'inconclusive', reason: `no Wasm and non-Wasm pre-warmed slots to compare in this run: ${text}.` };
  const heavy = others.filter((r) => r.value >= IDLE_COST_FACTOR * wasm.value);
  if (heavy.length) return { ...base, verdict: 'confirmed', reason: `${heavy.map(label).join(', ')} keep >= ${IDLE_COST_FACTOR}x the memory of ${label(wasm)} per waiting slot: ${text}. CPU while idle is reported beside memory.` };
  return { ...base, verdict: 'refuted', reason: `no pre-warmed process or container slot costs ${IDLE_COST_FACTOR}x a Wasm slot: ${text}.` };
}
