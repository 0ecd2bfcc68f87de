/**
 * Interleaved sampling of several cells: one invocation of each active cell
 * per round (A B C A B C ...), so that drift of a shared machine hits every
 * cell alike. Fast cells stop at their sample target, slow ones at the time
 * budget, and each reports how many samples it has.
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

/** Samples every cell round-robin until each reaches its target or its budget. */
export async function sampleInterleaved<T>(cells: readonly Sampled<T>[], plan: SamplingPlan, options: { signal?: AbortSignal; onRound?: (done: number) => void } = {}): Promise<SampledResult<T>[]> {
  const state = cells.map((cell) => ({ cell, values: [] as T[], seen: 0, warm: plan.warmup === 0, spentNs: 0, error: undefined as string | undefined }));
  const budgetNs = plan.budgetMs * 1e6;
  const minSamples = Math.min(plan.minSamples ?? 5, plan.samples);
  const wanted = (s: (typeof state)[number]): boolean =>
    s.values.length < plan.samples && (s.spentNs < budgetNs || (s.values.length < minSamples && s.spentNs < 3 * budgetNs));
  let round = 0;
  for (;;) {
    const active = state.filter((s) => !s.error && wanted(s));
    if (!active.length) break;
    for (const entry of active) {
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
    }
    options.onRound?.(++round);
  }
  return state.map((s) => (s.error ? { label: s.cell.label, values: [], error: s.error } : { label: s.cell.label, values: s.values }));
}
