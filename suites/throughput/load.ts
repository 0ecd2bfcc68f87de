/**
 * Load generation with autocannon's programmatic API: closed loop (fixed
 * connections, as fast as they go) for maximum throughput, open loop (a
 * fixed overall rate) for latency at a stated load. Latencies are recorded
 * here from autocannon's per-response event (its own histogram keeps whole
 * milliseconds), so percentiles have microsecond resolution; open-loop
 * latencies are corrected for coordinated omission against each
 * connection's intended interval (core/stats.ts).
 */
import autocannon from 'autocannon';
import { correctCoordinatedOmission, summarize } from '../../core/stats.ts';

/** One load run. */
export interface LoadOptions {
  url: string;
  durationSeconds: number;
  connections: number;
  /** Open loop: requests per second over all connections. Closed loop when absent. */
  overallRate?: number;
  /** Every response body must equal this (counted in `mismatches` otherwise). */
  expectBody?: string;
  /** Many-apps mixes: paths cycled through, each with its expected body. */
  requests?: { path: string; expectBody: string }[];
  signal?: AbortSignal;
}

/** What a load run measured. Latencies are in ns. */
export interface LoadResult {
  /** Correct responses per second: a 2xx with the expected body. Failed and wrong answers do not count. */
  requestsPerSecond: number;
  /** Every response, right or wrong. */
  totalRequests: number;
  /** Responses that were a 2xx with the expected body. */
  okRequests: number;
  durationSeconds: number;
  /** Latency percentiles of 2xx responses, ns (p99 absent below 100 responses: NaN). */
  latencyNs: { p50: number; p90: number; p99: number; max: number; mean: number; count: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}

const MS_TO_NS = 1e6;

/** Percentiles of the recorded latencies in ns, corrected for coordinated omission when an intended interval (ms, per connection) is given. */
export function latencySummary(latenciesMs: readonly number[], intendedIntervalMs: number | null): LoadResult['latencyNs'] {
  const values = intendedIntervalMs ? correctCoordinatedOmission(latenciesMs, intendedIntervalMs) : latenciesMs;
  const s = summarize(values.map((ms) => ms * MS_TO_NS));
  return { p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, mean: s.mean, count: s.count };
}

/** Runs one load test; an abort stops it early and resolves with what it measured. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let mixMismatches = 0;
  const requests = options.requests?.map((entry) => ({
    method: 'GET' as const,
    path: new URL(entry.path, options.url).pathname + new URL(entry.path, options.url).search,
    onResponse: (status: number, body: string) => {
      if (status >= 200 && status < 300 && body !== entry.expectBody) mixMismatches++;
    },
  }));
  let instance: autocannon.Instance | undefined;
  // Why our own record: autocannon's latency histogram has a resolution of 1 ms, too coarse for sub-millisecond cells.
  const latenciesMs: number[] = [];
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    const settings: autocannon.Options = {
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      overallRate: options.overallRate,
      timeout: 30,
      ...(requests ? { requests } : { expectBody: options.expectBody }),
    };
    instance = autocannon(settings, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTimeMs);
    });
  });
  const onAbort = (): void => instance?.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await finished;
    const total = result.requests.total;
    // autocannon counts a non-2xx body as a mismatch too when expectBody is set; the mix counts only wrong 2xx bodies.
    const wrong = options.requests ? result.non2xx + mixMismatches : Math.max(result.mismatches, result.non2xx);
    const ok = Math.max(0, total - wrong);
    return {
      requestsPerSecond: result.duration > 0 ? ok / result.duration : 0,
      totalRequests: total,
      okRequests: ok,
      durationSeconds: result.duration,
      latencyNs: latencySummary(latenciesMs, options.overallRate ? (1000 * Math.min(options.connections, options.overallRate)) / options.overallRate : null),
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: options.requests ? mixMismatches : Math.max(0, result.mismatches - result.non2xx),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
