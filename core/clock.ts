/**
 * The one clock of the suite. Every duration is taken with
 * `process.hrtime.bigint()` (monotonic, nanoseconds) and carried as a number of
 * nanoseconds, which is exact up to about 104 days.
 */

/** Monotonic now, in nanoseconds. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Nanoseconds elapsed since `startNs`. */
export function sinceNs(startNs: number): number {
  return nowNs() - startNs;
}

/** Runs `fn` and returns its result with the time it took, in nanoseconds. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; durationNs: number }> {
  const startNs = nowNs();
  const value = await fn();
  return { value, durationNs: sinceNs(startNs) };
}

/** Formats a duration for people: ns, us, ms or s with three significant digits. */
export function formatDuration(durationNs: number): string {
  const abs = Math.abs(durationNs);
  if (abs < 1e3) return `${durationNs.toFixed(0)} ns`;
  if (abs < 1e6) return `${(durationNs / 1e3).toPrecision(3)} us`;
  if (abs < 1e9) return `${(durationNs / 1e6).toPrecision(3)} ms`;
  return `${(durationNs / 1e9).toPrecision(3)} s`;
}

/** Resolves after `ms` milliseconds, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for `promise` to settle, at most `ms` milliseconds: true when it
 * settled in time (its rejection is not rethrown), false when the time ran
 * out. Rejects when `signal` aborts first. Leaves no timer behind.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number, signal?: AbortSignal): Promise<boolean> {
  const timer = new AbortController();
  const settled = promise.then(() => true, () => true);
  try {
    return await Promise.race([settled, sleep(ms, signal ? AbortSignal.any([signal, timer.signal]) : timer.signal).then(() => false)]);
  } finally {
    timer.abort();
  }
}
