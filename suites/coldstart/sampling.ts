/**
 * Interleaved sampling of several cells, in time slices: each round gives
 * every active cell one slice (A B C A B C ...), so drift of a shared machine
 * hits every cell alike. A slice is a share of the cell's target and of its
 * budget, at least one sample: a fast cell takes many samples per slice, a
 * slow one (a container) takes one, and the fast ones never wait for the
 * slow ones to finish a thousand rounds. Fast cells stop at their sample
 * target, slow ones at their time budget, and each reports how many samples
 * it has.
 */
import { nowNs } from '../../core/clock.ts';

/** How many samples to take and how long to try. */
export interface SamplingPlan {
  /** Invocations discarded first (JIT, caches, pools filling). */
  warmup: number;
  /** Samples wanted per cell. */
  samples: number;
  /** Wall-clock budget per cell, ms (warm-up included). */
  budgetMs: number;
  /** Samples a slow cell still takes past its budget (up to three budgets), so it reports something. @default 5 */
  minSamples?: number;
  /** Rounds the samples are spread over. @default 20 */
  rounds?: number;
}

/** Share of the budget warm-up may use: a slow cell must not spend its whole budget warming up. */
const WARMUP_BUDGET_SHARE = 0.2;

/** A sampled thing: takes one measurement, or throws to be excluded. */
export interface Sampled<T> {
  label: string;
  sample(): Promise<T>;
}

/** Per-cell outcome of the sampling. */
export interface SampledResult<T> {
  label: string;
  values: T[];
  /** Set when the cell threw: its samples so far are discarded. */
  error?: string;
}

/** Samples every cell slice by slice until each reaches its target or its budget. */
export async function sampleInterleaved<T>(
  cells: readonly Sampled<T>[],
  plan: SamplingPlan,
  options: { signal?: AbortSignal; onRound?: (round: number, active: number) => void } = {},
): Promise<SampledResult<T>[]> {
  const state = cells.map((cell) => ({ cell, values: [] as T[], seen: 0, warm: plan.warmup === 0, spentNs: 0, error: undefined as string | undefined }));
  const budgetNs = plan.budgetMs * 1e6;
  const rounds = plan.rounds ?? 20;
  const sliceSamples = Math.max(1, Math.ceil((plan.samples + plan.warmup) / rounds));
  const sliceNs = budgetNs / rounds;
  const minSamples = Math.min(plan.minSamples ?? 5, plan.samples);
  type Entry = (typeof state)[number];
  const wanted = (s: Entry): boolean => !s.error && s.values.length < plan.samples && (s.spentNs < budgetNs || (s.values.length < minSamples && s.spentNs < 3 * budgetNs));
  let round = 0;
  for (;;) {
    const active = state.filter(wanted);
    if (!active.length) break;
    options.onRound?.(++round, active.length);
    for (const entry of active) {
      const sliceStartNs = nowNs();
      let taken = 0;
      do {
        options.signal?.throwIfAborted();
        const startNs = nowNs();
        try {
          const value = await entry.cell.sample();
          if (entry.warm) entry.values.push(value);
          entry.seen++;
        } catch (error) {
          if (options.signal?.aborted) throw error;
          entry.error = error instanceof Error ? error.message.split('\n')[0] : String(error);
        }
        entry.spentNs += nowNs() - startNs;
        if (!entry.warm && (entry.seen >= plan.warmup || entry.spentNs >= budgetNs * WARMUP_BUDGET_SHARE)) entry.warm = true;
        taken++;
      } while (taken < sliceSamples && nowNs() - sliceStartNs < sliceNs && wanted(entry));
    }
  }
  return state.map((s) => (s.error ? { label: s.cell.label, values: [], error: s.error } : { label: s.cell.label, values: s.values }));
}
