/**
 * Near-native: the CPU-bound workloads timed as Wasm (per engine) and as the
 * native binary of the same source, in the same run, interleaved and
 * repeated; the ratio of medians Wasm/native with its 95% bootstrap CI.
 */
import { nowNs } from '../../core/clock.ts';
import { sampleRows, summaryRows, valueRow, type CellKey, type Measurement, type Outcome } from '../../core/results.ts';
import { ratioOfMedians, summarize } from '../../core/stats.ts';
import { cannedRequest, responseMismatch, type Workload } from '../../fixtures/manifest.ts';
import type { Cell, Runner } from '../../runners/types.ts';
import { representativeConfig } from '../representatives.ts';
import { cellLabel, failedCellOutcome, openVerified, type MatrixCell } from '../cells.ts';
import { sampleInterleaved, type SamplingPlan } from '../coldstart/sampling.ts';

/** The CPU-bound requests timed: the largest of each kernel, so the kernel dominates the request's cost. */
export const NEAR_NATIVE_REQUESTS: readonly { workload: string; request: string }[] = [
  { workload: 'cpu', request: 'kib-1024' },
  { workload: 'mem', request: 'mib-64' },
];

/** The Wasm engines timed against native, when available: the V8 host (the reference) first. */
export const NEAR_NATIVE_ENGINES: readonly string[] = ['wasm', 'wasm-wasmtime', 'wasm-wazero'];

/**
 * Samples per side and profile (each sample runs the whole kernel, milliseconds
 * long). Why one sample per slice (`rounds` = warm-up + samples): strict
 * A B A B alternation, so native and Wasm samples see the same moments of a
 * shared machine.
 */
export const NEAR_NATIVE_PLANS = {
  quick: { warmup: 3, samples: 60, budgetMs: 3000, rounds: 63 },
  full: { warmup: 10, samples: 300, budgetMs: 15_000, rounds: 310 },
} satisfies Record<string, SamplingPlan>;

/** What the near-native part needs. */
export interface NearNativeInput {
  workloads: readonly Workload[];
  /** Available Wasm engines (filtered to NEAR_NATIVE_ENGINES). */
  engines: readonly Runner[];
  /** The native baseline: the process runner (static binary of the same source), or why there is none. */
  native: { status: 'available'; runner: Runner } | { status: 'unavailable'; reason: string };
  plan: SamplingPlan;
  signal: AbortSignal;
  progress(message: string): void;
}

/** Rows of the near-native part. */
export interface NearNativeRows {
  measurements: Measurement[];
  outcomes: Outcome[];
}

/**
 * Times each CPU workload on every engine and natively. Why the warm
 * lifecycle on both sides: one instance (Wasm) and one long-lived process
 * (native) each serve every sample, so neither side pays start-up or compile
 * and what is timed is the kernel plus a small per-request framing that both
 * sides pay alike. Why the wall clock around `invoke` on both sides: one
 * clock at one boundary (request handed to the cell -> response back in
 * Node), whatever each runner times inside.
 */
export async function runNearNative(input: NearNativeInput): Promise<NearNativeRows> {
  const { signal, progress } = input;
  const measurements: Measurement[] = [];
  const outcomes: Outcome[] = [];
  const engines = NEAR_NATIVE_ENGINES.flatMap((name) => input.engines.filter((runner) => runner.name === name && runner.lifecycles.includes('warm')));
  for (const { workload: name, request } of NEAR_NATIVE_REQUESTS) {
    const workload = input.workloads.find((candidate) => candidate.name === name);
    if (!workload) continue;
    const notRun = (runner: string, detail: string): Outcome => ({ suite: 'portability', runner, config: '-', lifecycle: 'warm', workload: name, subject: 'near-native', condition: `request=${request}`, outcome: 'not-run', detail });
    if (input.native.status === 'unavailable') {
      outcomes.push(notRun('native', `no native baseline: ${input.native.reason}`));
      progress(`${name}: near-native not run: no native baseline (${input.native.reason})`);
      continue;
    }
    if (!engines.length) {
      outcomes.push(notRun('wasm', 'no Wasm engine with a warm lifecycle is available'));
      continue;
    }
    const canned = cannedRequest(workload, request);
    const nativeRunner = input.native.runner;
    const cells: MatrixCell[] = [
      // Why the warm lifecycle of the representative configuration: the claim is about execution speed, so start-up stays out on both sides.
      { runner: nativeRunner, config: representativeConfig(nativeRunner), lifecycle: 'warm' },
      ...engines.map((runner) => ({ runner, config: representativeConfig(runner), lifecycle: 'warm' as const })),
    ];
    const open: { matrixCell: MatrixCell; cell: Cell }[] = [];
    try {
      for (const matrixCell of cells) {
        signal.throwIfAborted();
        const verified = await openVerified(matrixCell, { workload }, canned, signal);
        if (verified.status === 'failed') {
          outcomes.push(failedCellOutcome('portability', matrixCell, name, verified.reason));
          progress(`${cellLabel(matrixCell)} ${name}: excluded from near-native: ${verified.reason}`);
          continue;
        }
        open.push({ matrixCell, cell: verified.cell });
      }
      const nativeOpen = open.find((entry) => entry.matrixCell.runner === nativeRunner);
      if (!nativeOpen || open.length < 2) {
        outcomes.push(notRun(nativeOpen ? 'wasm' : 'native', `${nativeOpen ? 'no Wasm' : 'the native'} cell answered ${request} correctly; nothing to compare`));
        continue;
      }
      progress(`${name}/${request}: timing native and ${open.length - 1} Wasm engine(s), interleaved (${input.plan.samples} samples or ${input.plan.budgetMs / 1000}s per cell)`);
      const sampled = await sampleInterleaved(
        open.map(({ matrixCell, cell }) => ({
          label: cellLabel(matrixCell),
          sample: async (): Promise<number> => {
            const startNs = nowNs();
            const result = await cell.invoke(canned.request, signal);
            const durationNs = nowNs() - startNs;
            const mismatch = responseMismatch(canned.expected, result.response);
            if (mismatch) throw new Error(`wrong answer during sampling: ${mismatch}`);
            return durationNs;
          },
        })),
        input.plan,
        { signal },
      );
      const nativeIndex = open.indexOf(nativeOpen);
      const nativeSamples = sampled[nativeIndex]!;
      if (nativeSamples.error) {
        outcomes.push(failedCellOutcome('portability', nativeOpen.matrixCell, name, nativeSamples.error));
        continue;
      }
      const key = (runner: string, config: string): CellKey => ({ suite: 'portability', runner, config, lifecycle: 'warm', workload: name, phase: 'near-native', metric: 'duration', unit: 'ns' });
      measurements.push(...sampleRows(key('native', nativeOpen.matrixCell.config), nativeSamples.values), ...summaryRows(key('native', nativeOpen.matrixCell.config), summarize(nativeSamples.values)));
      sampled.forEach((outcome, index) => {
        if (index === nativeIndex) return;
        const { matrixCell } = open[index]!;
        if (outcome.error) {
          outcomes.push(failedCellOutcome('portability', matrixCell, name, outcome.error));
          return;
        }
        const engine = matrixCell.runner.name;
        measurements.push(...sampleRows(key(engine, matrixCell.config), outcome.values), ...summaryRows(key(engine, matrixCell.config), summarize(outcome.values)));
        const estimate = ratioOfMedians(outcome.values, nativeSamples.values);
        const ratioKey: CellKey = { ...key(engine, matrixCell.config), metric: 'wasm-native-ratio', unit: 'ratio' };
        measurements.push(valueRow(ratioKey, estimate.ratio), { ...valueRow(ratioKey, Math.min(outcome.values.length, nativeSamples.values.length)), stat: 'count' });
        if (Number.isFinite(estimate.ci95Low)) measurements.push({ ...valueRow(ratioKey, estimate.ci95Low), stat: 'ci95-low' }, { ...valueRow(ratioKey, estimate.ci95High), stat: 'ci95-high' });
        const wasmMs = summarize(outcome.values).p50 / 1e6;
        const nativeMs = summarize(nativeSamples.values).p50 / 1e6;
        progress(`${name}/${request} ${engine}: ${wasmMs.toFixed(2)} ms vs native ${nativeMs.toFixed(2)} ms: ${estimate.ratio.toFixed(2)}x (95% CI ${estimate.ci95Low.toFixed(2)}-${estimate.ci95High.toFixed(2)}, n=${outcome.values.length}/${nativeSamples.values.length})`);
      });
    } finally {
      await Promise.allSettled(open.map(({ cell }) => cell.close()));
    }
  }
  return { measurements, outcomes };
}
