/**
 * Verdicts of the isolation claims from the matrix: `secure-by-default`,
 * `no-interference` and `teardown-per-request`, decided for the reference
 * Wasm runtime (`wasm`), with every other substrate's outcomes named beside
 * it and Wasmtime (Spin's engine) as the anchor the V8 host is checked
 * against, probe by probe.
 */
import { notRun } from '../../core/claims.ts';
import type { ClaimVerdict, Measurement, Outcome } from '../../core/results.ts';
import type { UnavailableRunner } from '../types.ts';
import { INLINE_CONFIGURATIONS, INSTANCE_POOLING_CONFIG, WASM_CONFIGURATIONS } from '../../runners/wasm/index.ts';
import { INTERFERENCE_FLOOR_NS, INTERFERENCE_P99_FACTOR, judgeNeighbour } from './interference.ts';
import { INFORMATIONAL_PROBES } from './probes.ts';

/** The reference runtime whose verdict the ledger gives. */
export const REFERENCE_RUNNER = 'wasm';
/** The engine the reference is checked against (Spin's engine). */
export const ANCHOR_RUNNER = 'wasm-wasmtime';

/** Probes that decide `no-interference` (DESIGN.md: crash, CPU hog, memory hog, state; plus the other resource probes). */
export const INTERFERENCE_CLAIM_PROBES = ['memory-grow', 'infinite-loop', 'stack-overflow', 'state-carryover', 'state-reset', 'crash', 'cpu-hog', 'fd-exhaustion', 'output-flood'] as const;

/** Noisy neighbours whose victim latency decides `no-interference` besides the probe rows (the CPU hog has its own matrix row). */
const LATENCY_NEIGHBOURS = ['mem-hog', 'crash'] as const;

const BAD = new Set(['escaped', 'host-affected']);

/** The probes that look for an earlier request's state (teardown-per-request). */
export const STATE_PROBES = ['state-carryover', 'state-reset'] as const;

/**
 * Whether a reference configuration runs every cell on one thread by design
 * (`pooling=on,inline`): a neighbour that holds the thread (a CPU or memory
 * hog) then holds the victim too. Its latency findings and CPU-hog row are
 * reported beside `no-interference`, not counted for it: the claim is about
 * what a platform does by default, and this configuration is a measured
 * trade-off (no thread hop per request).
 */
function sharedThread(runner: string, config: string): boolean {
  return runner === REFERENCE_RUNNER && INLINE_CONFIGURATIONS.includes(config);
}

/** A cell's column: runner and configuration. */
function substrate(row: Pick<Outcome, 'runner' | 'config'>): string {
  return row.config === 'default' ? row.runner : `${row.runner}[${row.config}]`;
}

/** Rows that count for a claim: the informational probe never; the warm lifecycle's state by design; failed verification rows neither. */
function judged(rows: readonly Outcome[]): Outcome[] {
  return rows.filter(
    (row) =>
      row.suite === 'isolation' &&
      row.subject !== 'cell' &&
      !(INFORMATIONAL_PROBES as readonly string[]).includes(row.subject) &&
      !((STATE_PROBES as readonly string[]).includes(row.subject) && row.lifecycle === 'warm'),
  );
}

/** Outcome counts per substrate, e.g. `process: 9 escaped, 17 contained (escaped: read-host-file, ...)`. */
export function describeCounts(rows: readonly Outcome[]): string[] {
  const bySubstrate = new Map<string, Outcome[]>();
  for (const row of rows) bySubstrate.set(substrate(row), [...(bySubstrate.get(substrate(row)) ?? []), row]);
  return [...bySubstrate.entries()].map(([name, cells]) => {
    const counts = new Map<string, number>();
    for (const cell of cells) counts.set(cell.outcome, (counts.get(cell.outcome) ?? 0) + 1);
    const order = ['escaped', 'host-affected', 'not-applicable', 'contained'];
    const text = order.filter((outcome) => counts.has(outcome)).map((outcome) => `${counts.get(outcome)} ${outcome}`).join(', ');
    const bad = [...new Set(cells.filter((cell) => BAD.has(cell.outcome)).map((cell) => `${cell.subject}${cell.condition === 'grant=none' ? '' : ` ${cell.condition}`}`))];
    return `${name}: ${text}${bad.length ? ` (${bad.join(', ')})` : ''}`;
  });
}

/** Where the reference and the anchor engine differ, probe by probe (same probe, condition, configuration name and lifecycle). */
export function anchorDifferences(rows: readonly Outcome[]): string[] {
  const key = (row: Outcome): string => `${row.subject}|${row.condition}|${row.config}|${row.lifecycle}`;
  const anchor = new Map(rows.filter((row) => row.runner === ANCHOR_RUNNER).map((row) => [key(row), row]));
  return rows
    .filter((row) => row.runner === REFERENCE_RUNNER)
    .flatMap((row) => {
      const other = anchor.get(key(row));
      if (!other || other.outcome === row.outcome) return [];
      return [`${row.subject} ${row.condition} [${row.config}/${row.lifecycle}]: V8 host ${row.outcome} (${row.detail}) but Wasmtime ${other.outcome} (${other.detail})`];
    });
}

function anchorText(rows: readonly Outcome[], unavailable: readonly UnavailableRunner[]): string {
  const missing = unavailable.find((entry) => entry.runner === ANCHOR_RUNNER);
  if (!rows.some((row) => row.runner === ANCHOR_RUNNER)) return ` Wasmtime anchor: not run${missing ? ` (${missing.reason})` : ''}.`;
  const differences = anchorDifferences(rows);
  if (!differences.length) return ' Wasmtime anchor: the V8 host gives the same outcome as Wasmtime on every probe both ran.';
  return ` Wasmtime anchor: ${differences.length} difference(s): ${differences.join('; ')}.`;
}

interface ClaimRows {
  reference: Outcome[];
  others: Outcome[];
}

function split(rows: readonly Outcome[]): ClaimRows {
  return { reference: rows.filter((row) => row.runner === REFERENCE_RUNNER), others: rows.filter((row) => row.runner !== REFERENCE_RUNNER) };
}

function verdictOf(reference: readonly Outcome[], extraBad: readonly string[] = []): { verdict: ClaimVerdict['verdict']; why: string } {
  const bad = reference.filter((row) => BAD.has(row.outcome));
  const unknown = reference.filter((row) => row.outcome === 'not-applicable');
  if (bad.length || extraBad.length) {
    const named = [...bad.map((row) => `${row.subject} ${row.condition} [${row.config}/${row.lifecycle}] ${row.outcome}: ${row.detail}`), ...extraBad];
    return { verdict: 'refuted', why: `not every probe was contained on the reference runtime: ${named.join('; ')}.` };
  }
  if (unknown.length) return { verdict: 'inconclusive', why: `${unknown.length} probe cell(s) of the reference runtime could not tell: ${unknown.map((row) => `${row.subject} ${row.condition}: ${row.detail}`).join('; ')}.` };
  return { verdict: 'confirmed', why: `every probe cell of the reference runtime was contained.` };
}

/** Count rows of the matrix per substrate, the evidence rows of the verdicts. */
export function countRows(rows: readonly Outcome[]): Measurement[] {
  const counts = new Map<string, Measurement>();
  for (const row of judged(rows)) {
    const id = `${row.runner}|${row.config}|${row.outcome}`;
    const existing = counts.get(id);
    if (existing) existing.value++;
    else counts.set(id, { suite: 'isolation', runner: row.runner, config: row.config, lifecycle: '-', workload: '-', phase: 'probes', metric: row.outcome, unit: 'count', stat: 'value', value: 1, iteration: 0 });
  }
  return [...counts.values()];
}

/** Decides the three isolation claims. */
export function decideIsolation(outcomes: readonly Outcome[], measurements: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict[] {
  const rows = judged(outcomes);
  const evidence = countRows(outcomes);
  const reasonFor = (claimRows: ClaimRows): string => {
    const others = describeCounts(claimRows.others);
    return `${describeCounts(claimRows.reference).join('; ')}. Other substrates: ${others.length ? others.join('; ') : 'none ran'}.`;
  };
  if (!rows.some((row) => row.runner === REFERENCE_RUNNER)) {
    const why = unavailable.find((entry) => entry.runner === REFERENCE_RUNNER)?.reason ?? 'the wasm runner was not selected';
    return ['secure-by-default', 'no-interference', 'teardown-per-request'].map((id) => notRun(id, `the reference runtime did not run: ${why}`));
  }

  // Why without the CPU hog: its row measures interference (a victim's latency), not a capability.
  const secure = split(rows.filter((row) => row.subject !== 'cpu-hog'));
  const secureVerdict = verdictOf(secure.reference);
  const secureClaim: ClaimVerdict = {
    id: 'secure-by-default',
    verdict: secureVerdict.verdict,
    reason: `${secureVerdict.why} ${reasonFor(secure)}${anchorText([...secure.reference, ...secure.others], unavailable)}`,
    measured: 'every isolation probe (DESIGN.md section 5) with and without its grant, host secrets planted by the suite, on every runner and configuration; the warm lifecycle\'s state and the informational clock probe excluded',
    threshold: 'every probe cell of the reference runtime (every configuration) contained',
    evidence: evidence.filter((row) => row.runner === REFERENCE_RUNNER || row.runner === ANCHOR_RUNNER),
  };

  const interferenceRows = rows.filter((row) => (INTERFERENCE_CLAIM_PROBES as readonly string[]).includes(row.subject));
  const cpuHogByDesign = (row: Outcome): boolean => row.subject === 'cpu-hog' && sharedThread(row.runner, row.config);
  const interference = split(interferenceRows.filter((row) => !cpuHogByDesign(row)));
  const byDesign = interferenceRows.filter(cpuHogByDesign).map((row) => `the CPU hog on ${row.config}: ${row.outcome} (${row.detail})`);
  const latencyFindings: string[] = [];
  const latencyBad: string[] = [];
  for (const config of WASM_CONFIGURATIONS) {
    for (const neighbour of LATENCY_NEIGHBOURS) {
      const judgedLatency = judgeNeighbour(measurements, REFERENCE_RUNNER, config, neighbour);
      if (!judgedLatency) continue;
      const finding = `[${config}] beside a ${neighbour}: ${judgedLatency.reason}`;
      if (sharedThread(REFERENCE_RUNNER, config)) byDesign.push(`victim ${finding}`);
      else {
        latencyFindings.push(finding);
        if (judgedLatency.interfered) latencyBad.push(`victim ${finding}`);
      }
    }
  }
  const interferenceVerdict = verdictOf(interference.reference, latencyBad);
  const noInterference: ClaimVerdict = {
    id: 'no-interference',
    verdict: interferenceVerdict.verdict,
    reason: `${interferenceVerdict.why} ${reasonFor(interference)}${anchorText([...interference.reference, ...interference.others], unavailable)}${latencyFindings.length ? ` Victim latency on the reference runtime: ${latencyFindings.join('; ')}.` : ' No victim latency was measured on the reference runtime.'}${byDesign.length ? ` Reported, not counted (the inline configurations, ${INLINE_CONFIGURATIONS.join(' and ')}, run every cell on one thread by design): ${byDesign.join('; ')}.` : ''}`,
    measured: `probes ${INTERFERENCE_CLAIM_PROBES.join(', ')}, and a victim app's p99 beside a CPU hog, a memory hog and a crashing app on the same runner configuration, against its p99 beside a busy well-behaved app`,
    threshold: `every such probe cell of the reference runtime contained, and the victim's p99 beside each neighbour at most ${INTERFERENCE_P99_FACTOR}x its p99 beside a busy well-behaved neighbour (or less than ${INTERFERENCE_FLOOR_NS / 1e6} ms slower), with no failed victim request, in every configuration that gives each cell its own thread (the inline configurations, ${INLINE_CONFIGURATIONS.join(' and ')}, one thread for every cell by design, are reported, not counted)`,
    evidence: [
      ...evidence.filter((row) => row.runner === REFERENCE_RUNNER),
      ...measurements.filter((row) => row.suite === 'isolation' && row.phase === 'interference' && row.metric === 'victim-latency' && row.stat === 'p99'),
    ],
  };

  const stateRows = outcomes.filter((row) => row.suite === 'isolation' && (STATE_PROBES as readonly string[]).includes(row.subject));
  const teardown = split(stateRows.filter((row) => row.lifecycle === 'cold' || row.lifecycle === 'prewarmed'));
  // Why these two: pooled memories (pooling=on) and reset instances (the state-reset probe, which instance pooling does reuse) are where state could leak.
  const unchecked = [
    ...(teardown.reference.some((row) => row.config === 'pooling=on') ? [] : ['the pooled-memory configuration (pooling=on)']),
    ...(teardown.reference.some((row) => row.config === INSTANCE_POOLING_CONFIG && row.subject === 'state-reset') ? [] : [`the instance-pooling configuration (${INSTANCE_POOLING_CONFIG}, state-reset probe)`]),
  ];
  const teardownVerdict = verdictOf(teardown.reference);
  const warm = describeCounts(stateRows.filter((row) => row.lifecycle === 'warm'));
  const teardownClaim: ClaimVerdict = {
    id: 'teardown-per-request',
    verdict: teardownVerdict.verdict === 'confirmed' && unchecked.length ? 'inconclusive' : teardownVerdict.verdict,
    reason: `${teardownVerdict.why}${unchecked.length ? ` Not checked: ${unchecked.join('; ')}.` : ''} Cold and pre-warmed: ${reasonFor(teardown)} Warm (one instance reused by design, so state survives): ${warm.length ? warm.join('; ') : 'not run'}.`,
    measured: 'the state probes sent twice to the same cell: state-carryover (static data, heap and table marks, request counter) and state-reset (static data, an initialised variable, a global, request counter: what a reset instance gets back); the second request must see nothing of the first',
    threshold: 'nothing of the first request visible to the second in every cold and pre-warmed cell of the reference runtime, in every configuration (memory pooling and instance pooling included)',
    evidence: [],
  };
  return [secureClaim, noInterference, teardownClaim];
}
