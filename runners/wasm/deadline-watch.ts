/**
 * Deadlines for instances that run on the calling thread (inline execution).
 * Each thread that runs instances inline has one shared one-page memory and
 * one watchdog worker thread. The memory holds the interruption word every
 * instrumented guest reads at function entries and loop headers
 * (instrument.ts), the run state (odd while a run is in flight) and the run's
 * deadline. The watchdog wakes every few milliseconds and, when the run in
 * flight is past its deadline, claims it (compare-and-swap on the state) and
 * sets the word; the guest traps at its next check. The thread that runs the
 * guest never blocks on the watchdog and pays no system call per request.
 */
import { Worker } from 'node:worker_threads';

/** Word indexes (Int32) and the Float64 index inside the shared page. */
export const WATCH_LAYOUT = { flag: 0, state: 1, deadlineF64: 1 } as const;

/** How often the watchdog looks, ms: the deadline's precision. */
export const WATCH_TICK_MS = 5;

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const words = new Int32Array(workerData.buffer);
const deadlines = new Float64Array(workerData.buffer);
const { flag, state: stateIndex, deadlineF64 } = workerData.layout;
for (;;) {
  const state = Atomics.load(words, stateIndex);
  if (state & 1) {
    const remainingMs = deadlines[deadlineF64] - Date.now();
    if (remainingMs <= 0) {
      if (Atomics.compareExchange(words, stateIndex, state, state + 1) === state) Atomics.store(words, flag, 1);
      continue;
    }
    Atomics.wait(words, stateIndex, state, Math.min(remainingMs, workerData.tickMs));
  } else {
    Atomics.wait(words, stateIndex, state, workerData.tickMs);
  }
}
`;

/** The calling thread's deadline watch. */
export class DeadlineWatch {
  /** The memory instrumented guests import as `wsb.interrupt`. */
  readonly memory: WebAssembly.Memory;
  private readonly words: Int32Array;
  private readonly deadlines: Float64Array;
  private readonly worker: Worker;
  private running = 0;

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    const buffer = this.memory.buffer as unknown as SharedArrayBuffer;
    this.words = new Int32Array(buffer);
    this.deadlines = new Float64Array(buffer);
    this.worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { buffer, layout: WATCH_LAYOUT, tickMs: WATCH_TICK_MS } });
    // The watchdog never keeps the process alive; it dies with it.
    this.worker.unref();
  }

  /** Arms the watch for one run that must end within `deadlineMs`; returns the deadline (Date.now() epoch, ms). */
  begin(deadlineMs: number): number {
    const deadline = Date.now() + deadlineMs;
    this.deadlines[WATCH_LAYOUT.deadlineF64] = deadline;
    const current = Atomics.load(this.words, WATCH_LAYOUT.state);
    this.running = (current & 1) === 0 ? current + 1 : current + 2;
    Atomics.store(this.words, WATCH_LAYOUT.state, this.running);
    return deadline;
  }

  /** Disarms the watch; true when the watchdog claimed the run (its deadline passed), with the word cleared again. */
  end(): boolean {
    const state = this.running;
    if (Atomics.compareExchange(this.words, WATCH_LAYOUT.state, state, state + 1) === state) return false;
    // The watchdog won the run: it stores the word right after its swap.
    while (Atomics.load(this.words, WATCH_LAYOUT.flag) === 0);
    Atomics.store(this.words, WATCH_LAYOUT.flag, 0);
    return true;
  }
}

let threadWatch: DeadlineWatch | null = null;

/** The deadline watch of this thread, started on first use. */
export function deadlineWatch(): DeadlineWatch {
  threadWatch ??= new DeadlineWatch();
  return threadWatch;
}
