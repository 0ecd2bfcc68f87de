/**
 * Load generation with autocannon's programmatic API: closed loop (fixed
 * connections, as fast as they go) for maximum throughput, open loop (a
 * fixed overall rate, autocannon corrects latencies for coordinated
 * omission) for latency at a stated load.
 */
import autocannon from 'autocannon';

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
  latencyNs: { p50: number; p90: number; p99: number; max: number; mean: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}

const MS_TO_NS = 1e6;

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
      latencyNs: {
        p50: result.latency.p50 * MS_TO_NS,
        p90: result.latency.p90 * MS_TO_NS,
        p99: result.latency.p99 * MS_TO_NS,
        max: result.latency.max * MS_TO_NS,
        mean: result.latency.average * MS_TO_NS,
      },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: options.requests ? mixMismatches : Math.max(0, result.mismatches - result.non2xx),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
