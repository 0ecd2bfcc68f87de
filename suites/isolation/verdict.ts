/**
 * Verdicts of the isolation claims from the matrix: `secure-by-default`,
 * `no-interference` and `teardown-per-request`, decided on the declared
 * representative of the reference Wasm runtime (suites/representatives.ts),
 * judged again on every other Wasm engine's representative beside it, with
 * every other substrate's outcomes named and Wasmtime (Spin's engine) as the
 * anchor the V8 host is checked against, probe by probe. Variants (other
 * configurations, the `reused` lifecycle) are reported, never counted.
 */
import { notRun } from '../../core/claims.ts';
import type { ClaimVerdict, EngineVerdict, Measurement, Outcome, Verdict } from '../../core/results.ts';
import type { UnavailableRunner } from '../types.ts';
import { isRepresentative, judgedLabel, REFERENCE_WASM_RUNNER, wasmEnginesIn } from '../representatives.ts';
import { INTERFERENCE_FLOOR_NS, INTERFERENCE_P99_FACTOR, judgeNeighbour } from './interference.ts';
import { INFORMATIONAL_PROBES } from './probes.ts';

/** The reference runtime whose verdict the ledger gives. */
export const REFERENCE_RUNNER = REFERENCE_WASM_RUNNER;
/** The engine the reference is checked against (Spin's engine). */
export const ANCHOR_RUNNER = 'wasm-wasmtime';

/** Probes that decide `no-interference` (DESIGN.md: crash, CPU hog, memory hog, state; plus the other resource probes). */
export const INTERFERENCE_CLAIM_PROBES = ['memory-grow', 'infinite-loop', 'stack-overflow', 'state-carryover', 'state-reset', 'crash', 'cpu-hog', 'fd-exhaustion', 'output-flood'] as const;

/** Noisy neighbours whose victim latency decides `no-interference` besides the probe rows (the CPU hog has its own matrix row). */
const LATENCY_NEIGHBOURS = ['mem-hog', 'crash'] as const;

const BAD = new Set(['escaped', 'host-affected']);

/** A probe case that could not be run: it never decides, and it keeps a claim from being confirmed. */
export const FAILED_OUTCOME = 'failed';

/** The probes that look for an earlier request's state (teardown-per-request). */
export const STATE_PROBES = ['state-carryover', 'state-reset'] as const;

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

function verdictOf(reference: readonly Outcome[], extraBad: readonly string[] = []): { verdict: Verdict; why: string } {
  const bad = reference.filter((row) => BAD.has(row.outcome));
  const unknown = reference.filter((row) => row.outcome === 'not-applicable');
  const failed = reference.filter((row) => row.outcome === FAILED_OUTCOME);
  if (bad.length || extraBad.length) {
    const named = [...bad.map((row) => `${row.subject} ${row.condition} [${row.lifecycle}] ${row.outcome}: ${row.detail}`), ...extraBad];
    return { verdict: 'refuted', why: `not every probe was contained: ${named.join('; ')}.` };
  }
  if (!reference.length) return { verdict: 'inconclusive', why: 'no probe cell of the judged configuration ran.' };
  if (failed.length) return { verdict: 'inconclusive', why: `${failed.length} probe case(s) could not be run, so they cannot count as contained: ${failed.map((row) => `${row.subject} ${row.condition}: ${row.detail}`).join('; ')}.` };
  if (unknown.length) return { verdict: 'inconclusive', why: `${unknown.length} probe cell(s) could not tell: ${unknown.map((row) => `${row.subject} ${row.condition}: ${row.detail}`).join('; ')}.` };
  return { verdict: 'confirmed', why: `every probe cell (${reference.length}) was contained.` };
}

/** The representative rows of one engine, from a set of rows. */
function ofEngine(rows: readonly Outcome[], engine: { runner: string; config: string }): Outcome[] {
  return rows.filter((row) => row.runner === engine.runner && row.config === engine.config);
}

/** Rows of representative configurations only (variants never count). */
function representativeRows(rows: readonly Outcome[]): Outcome[] {
  return rows.filter((row) => isRepresentative(row.runner, row.config));
}

/** Variant rows (non-representative configurations, or the `reused` lifecycle) of the reference runtime that were not contained, for the ablation note. */
function variantFindings(rows: readonly Outcome[]): string[] {
  return rows
    .filter((row) => row.runner === REFERENCE_RUNNER && (!isRepresentative(row.runner, row.config) || row.lifecycle === 'reused') && row.outcome !== 'contained')
    .map((row) => `${judgedLabel(row.runner, row.config, row.lifecycle)} ${row.subject} ${row.condition}: ${row.outcome}`);
}

/** Judges one engine's representative on claim rows (plus latency findings for no-interference). */
function engineVerdicts(claimRows: readonly Outcome[], engines: readonly { runner: string; config: string }[], lifecycle: string, extraBadOf: (engine: { runner: string; config: string }) => string[] = () => []): EngineVerdict[] {
  return engines
    .filter((engine) => engine.runner !== REFERENCE_RUNNER)
    .map((engine) => {
      const judgedRows = ofEngine(claimRows, engine);
      const decided = verdictOf(judgedRows, extraBadOf(engine));
      return { judged: judgedLabel(engine.runner, engine.config, lifecycle), runner: engine.runner, verdict: judgedRows.length ? decided.verdict : 'not-run', reason: judgedRows.length ? decided.why : 'no probe cell of this engine ran' };
    });
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
  const all = judged(outcomes);
  const rows = representativeRows(all);
  const evidence = countRows(rows);
  const engines = wasmEnginesIn(rows);
  const reference = engines.find((engine) => engine.runner === REFERENCE_RUNNER);
  const reasonFor = (claimRows: ClaimRows): string => {
    const others = describeCounts(claimRows.others);
    return `${describeCounts(claimRows.reference).join('; ')}. Other substrates (their representatives): ${others.length ? others.join('; ') : 'none ran'}.`;
  };
  if (!reference) {
    const why = unavailable.find((entry) => entry.runner === REFERENCE_RUNNER)?.reason ?? 'the wasm runner was not selected or its representative configuration did not run';
    return ['secure-by-default', 'no-interference', 'teardown-per-request'].map((id) => notRun(id, `the reference runtime did not run: ${why}`));
  }
  const judgedCell = judgedLabel(reference.runner, reference.config, 'cold');
  const variants = variantFindings(all);
  const variantText = variants.length ? ` Variants (reported, never counted): ${variants.join('; ')}.` : '';
  const splitFor = (claimRows: readonly Outcome[]): ClaimRows => ({ reference: ofEngine(claimRows, reference), others: claimRows.filter((row) => row.runner !== REFERENCE_RUNNER) });

  // Why without the CPU hog: its row measures interference (a victim's latency), not a capability.
  const secureRows = rows.filter((row) => row.subject !== 'cpu-hog' && (row.lifecycle === 'cold' || row.lifecycle === 'prewarmed'));
  const secure = splitFor(secureRows);
  const secureVerdict = verdictOf(secure.reference);
  const secureClaim: ClaimVerdict = {
    id: 'secure-by-default',
    verdict: secureVerdict.verdict,
    judged: judgedCell,
    reason: `${judgedCell}: ${secureVerdict.why} ${reasonFor(secure)}${anchorText([...secure.reference, ...secure.others], unavailable)}${variantText}`,
    measured: "every isolation probe (DESIGN.md section 5) with and without its grant, host secrets planted by the suite, on each runner's representative configuration, fresh instances (cold and pre-warmed); the informational clock probe excluded",
    threshold: 'every probe cell of the representative contained; an escape or a host effect refutes; a probe case that could not be run or could not tell makes it inconclusive',
    evidence: evidence.filter((row) => row.runner === REFERENCE_RUNNER || row.runner === ANCHOR_RUNNER),
    engines: engineVerdicts(secureRows, engines, 'cold'),
  };

  const interferenceRows = rows.filter((row) => (INTERFERENCE_CLAIM_PROBES as readonly string[]).includes(row.subject) && row.lifecycle !== 'warm' && row.lifecycle !== 'reused');
  const latencyOf = (engine: { runner: string; config: string }): { findings: string[]; bad: string[] } => {
    const findings: string[] = [];
    const bad: string[] = [];
    for (const neighbour of LATENCY_NEIGHBOURS) {
      const judgedLatency = judgeNeighbour(measurements, engine.runner, engine.config, neighbour);
      if (!judgedLatency) continue;
      findings.push(`beside a ${neighbour}: ${judgedLatency.reason}`);
      if (judgedLatency.interfered) bad.push(`victim beside a ${neighbour}: ${judgedLatency.reason}`);
    }
    return { findings, bad };
  };
  const interference = splitFor(interferenceRows);
  const referenceLatency = latencyOf(reference);
  const interferenceVerdict = verdictOf(interference.reference, referenceLatency.bad);
  const noInterference: ClaimVerdict = {
    id: 'no-interference',
    verdict: interferenceVerdict.verdict,
    judged: judgedCell,
    reason: `${judgedCell}: ${interferenceVerdict.why} ${reasonFor(interference)}${anchorText([...interference.reference, ...interference.others], unavailable)}${referenceLatency.findings.length ? ` Victim latency: ${referenceLatency.findings.join('; ')}.` : ' No victim latency was measured on the representative.'}${variantText}`,
    measured: `probes ${INTERFERENCE_CLAIM_PROBES.join(', ')}, and a victim app's p99 beside a CPU hog, a memory hog and a crashing app on the same runner configuration, against its p99 beside a busy well-behaved app`,
    threshold: `every such probe cell of the representative contained, and the victim's p99 beside each neighbour at most ${INTERFERENCE_P99_FACTOR}x its p99 beside a busy well-behaved neighbour (or less than ${INTERFERENCE_FLOOR_NS / 1e6} ms slower), with no failed victim request`,
    evidence: [
      ...evidence.filter((row) => row.runner === REFERENCE_RUNNER),
      ...measurements.filter((row) => row.suite === 'isolation' && row.phase === 'interference' && row.metric === 'victim-latency' && row.stat === 'p99' && row.runner === REFERENCE_RUNNER && row.config.startsWith(`${reference.config} `)),
    ],
    engines: engineVerdicts(interferenceRows, engines, 'cold', (engine) => latencyOf(engine).bad),
  };

  const stateRows = rows.filter((row) => (STATE_PROBES as readonly string[]).includes(row.subject));
  const freshStateRows = stateRows.filter((row) => row.lifecycle === 'cold' || row.lifecycle === 'prewarmed');
  const teardown = splitFor(freshStateRows);
  const teardownVerdict = verdictOf(teardown.reference);
  const warm = describeCounts(representativeRows(outcomes.filter((row) => row.suite === 'isolation' && (STATE_PROBES as readonly string[]).includes(row.subject) && row.lifecycle === 'warm')));
  const reused = all.filter((row) => (STATE_PROBES as readonly string[]).includes(row.subject) && row.lifecycle === 'reused' && row.runner === REFERENCE_RUNNER);
  const reusedText = reused.length ? ` Reused lifecycle (a variant: an instance reset after each request): ${describeCounts(reused).join('; ')}.` : '';
  const teardownClaim: ClaimVerdict = {
    id: 'teardown-per-request',
    verdict: teardownVerdict.verdict,
    judged: judgedCell,
    reason: `${judgedCell}: ${teardownVerdict.why} Cold and pre-warmed: ${reasonFor(teardown)} Warm (one instance reused by design, so state survives): ${warm.length ? warm.join('; ') : 'not run'}.${reusedText}`,
    measured: 'the state probes sent twice to the same cell: state-carryover (static data, heap and table marks, request counter) and state-reset (static data, an initialised variable, a global, request counter); the second request must see nothing of the first',
    threshold: 'nothing of the first request visible to the second in every cold and pre-warmed cell of the representative',
    evidence: [],
    engines: engineVerdicts(freshStateRows, engines, 'cold'),
  };
  return [secureClaim, noInterference, teardownClaim];
}
