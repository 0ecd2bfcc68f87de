/**
 * The `throughput-100k` verdict, computed from the closed-loop rows of one
 * run: the best Wasm cell against 100k req/s, with the harness ceilings beside.
 */
import { notRun, claimById } from '../../core/claims.ts';
import type { ClaimVerdict, Measurement } from '../../core/results.ts';
import { percentile } from '../../core/stats.ts';

/** The figure the claim states. */
export const THROUGHPUT_TARGET_RPS = 100_000;

/** A load generator closer than this to the front's ceiling is named as a possible bottleneck. */
const LOADGEN_MARGIN = 1.2;

const fmt = (rps: number): string => `${Math.round(rps).toLocaleString('en-US')} req/s`;

/** Decides `throughput-100k` from the throughput suite's rows. */
export function decideThroughput(rows: readonly Measurement[], cores: number): ClaimVerdict {
  const id = 'throughput-100k';
  const allRps = rows.filter((r) => r.suite === 'throughput' && r.phase === 'closed-loop' && r.metric === 'requests-per-second');
  const rpsRows = allRps.filter((r) => r.apps === undefined);
  const mixRows = allRps.filter((r) => r.apps !== undefined).sort((a, b) => (b.apps ?? 0) - (a.apps ?? 0));
  const byTarget = new Map<string, Measurement[]>();
  for (const row of rpsRows) {
    const label = `${row.runner}|${row.config}|${row.lifecycle}`;
    byTarget.set(label, [...(byTarget.get(label) ?? []), row]);
  }
  const median = (list: Measurement[]): number => percentile(list.map((r) => r.value), 0.5);
  const targets = [...byTarget.values()].map((list) => ({ row: list[0] as Measurement, rps: median(list) }));
  const ceiling = targets.find((t) => t.row.runner === 'front-noop');
  const loadgen = targets.find((t) => t.row.runner === 'loadgen-ceiling');
  const spins = targets.filter((t) => t.row.runner === 'front-spin');
  const cells = targets.filter((t) => t.row.runner !== 'front-noop' && t.row.runner !== 'loadgen-ceiling' && t.row.runner !== 'front-spin');
  const wasm = cells.filter((t) => t.row.runner.startsWith('wasm')).sort((a, b) => b.rps - a.rps);
  const largestMix = mixRows[0];
  const mixText = largestMix
    ? `; ${largestMix.apps} distinct apps through one route (${largestMix.runner}[${largestMix.config}]): ${fmt(percentile(mixRows.filter((r) => r.apps === largestMix.apps && r.runner === largestMix.runner && r.config === largestMix.config).map((r) => r.value), 0.5))}`
    : '';
  const evidence = [...targets.map((t) => ({ ...t.row, value: t.rps })), ...(largestMix ? [largestMix] : [])];
  const threshold = `best Wasm cell >= ${fmt(THROUGHPUT_TARGET_RPS)} through the common HTTP front on this host (${cores} cores)`;
  const measured = claimById(id).decidedBy;
  if (!ceiling) return notRun(id, 'the no-op ceiling was not measured');
  const best = wasm[0];
  if (!best) return { ...notRun(id, 'no Wasm cell was measured under load'), evidence };
  const perCore = ceiling.rps / cores;
  const share = (rps: number): string => `${((rps / ceiling.rps) * 100).toFixed(0)}%`;
  const spinText = spins.length ? `; the no-op route with a fixed CPU spin keeps ${spins.map((t) => `${share(t.rps)} at ${t.row.config.replace(/^spin=/, '')}`).join(', ')}` : '';
  const bestText = `best Wasm cell ${best.row.runner}[${best.row.config}]/${best.row.lifecycle}: ${fmt(best.rps)} (${share(best.rps)} of the no-op front's ${fmt(ceiling.rps)}${spinText})${mixText}`;
  const loadgenText = loadgen
    ? `load generator alone: ${fmt(loadgen.rps)}${loadgen.rps < ceiling.rps * LOADGEN_MARGIN ? ' (close to the front ceiling: the load generator may be the bottleneck)' : ''}`
    : 'load generator ceiling not measured';
  if (best.rps >= THROUGHPUT_TARGET_RPS) {
    return { id, verdict: 'confirmed', reason: `${bestText}; ${loadgenText}.`, measured, threshold, evidence };
  }
  if (ceiling.rps < THROUGHPUT_TARGET_RPS) {
    const coresNeeded = Math.ceil(THROUGHPUT_TARGET_RPS / perCore);
    return {
      id,
      verdict: 'inconclusive',
      reason: `even the no-op front reaches only ${fmt(ceiling.rps)} here (${fmt(perCore)} per core on ${cores} cores; at that rate 100k needs about ${coresNeeded} cores); ${bestText}; ${loadgenText}.`,
      measured,
      threshold,
      evidence,
    };
  }
  return { id, verdict: 'refuted', reason: `the front reaches ${fmt(ceiling.rps)} but ${bestText}; ${loadgenText}.`, measured, threshold, evidence };
}
