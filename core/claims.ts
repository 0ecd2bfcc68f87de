/**
 * The claims ledger: every claim the suite tests, with the sentence it comes
 * from. Source of every sentence: Fermyon, "How Do Serverless Apps Work?"
 * (Fermyon's serverless guide), abridged as in DESIGN.md section 1.
 */
import type { ClaimVerdict, Margin, SuiteName, Verdict } from './results.ts';

/** A claim under test. */
export interface Claim {
  id: string;
  /** The source sentence, abridged. */
  source: string;
  /** What decides it. */
  decidedBy: string;
  /** The suite that decides it. */
  suite: SuiteName;
}

/** Where the source sentences come from. */
export const CLAIMS_SOURCE = 'Fermyon, "How Do Serverless Apps Work?" (serverless guide)';

/** Every claim, in ledger order. */
export const CLAIMS: readonly Claim[] = [
  {
    id: 'coldstart-sub-ms',
    source: 'A WebAssembly runtime has almost no startup time, taking less than a millisecond ... to cold start',
    decidedBy: 'fresh-instance cold start, p50 and p99, at each layer',
    suite: 'coldstart',
  },
  {
    id: 'coldstart-orders-of-magnitude',
    source: 'several orders of magnitude faster than VMs and containers',
    decidedBy: 'ratio container (and process) cold start / Wasm cold start, same workload, same run; >= 100x counts as two orders',
    suite: 'coldstart',
  },
  {
    id: 'container-start-seconds',
    source: 'container startup time takes a few seconds or longer',
    decidedBy: 'container cold start to first response',
    suite: 'coldstart',
  },
  {
    id: 'prewarm-idle-cost',
    source: 'pre-warming is done at the (considerable) cost of consuming CPU and memory for idle instances',
    decidedBy: 'idle memory and CPU per pre-warmed slot, per substrate',
    suite: 'coldstart',
  },
  {
    id: 'teardown-per-request',
    source: 'Once the request is handled, the entire serverless function is torn down',
    decidedBy: 'no state survives from one request to the next (isolation probe)',
    suite: 'isolation',
  },
  {
    id: 'density-thousands',
    source: 'a modest computer ... can securely run thousands of different apps',
    decidedBy: 'distinct apps resident and serving on one host, memory per app, latency while serving them',
    suite: 'density',
  },
  {
    id: 'containers-30-per-host',
    source: 'the container method (30-ish apps per underlying virtual machine)',
    decidedBy: 'containers resident per host under the same memory budget',
    suite: 'density',
  },
  {
    id: 'throughput-100k',
    source: 'at a throughput of 100k or more requests per second',
    decidedBy: "requests/s through the same HTTP front for each substrate, also per core, with the harness's own ceiling beside it",
    suite: 'throughput',
  },
  {
    id: 'secure-by-default',
    source: 'secure by default, allows only the capabilities explicitly enabled',
    decidedBy: 'isolation probes with and without grants',
    suite: 'isolation',
  },
  {
    id: 'no-interference',
    source: 'stops apps on the same host from interfering with one another',
    decidedBy: "crash, CPU-hog, memory-hog and state probes; a neighbour's p99 under a noisy app",
    suite: 'isolation',
  },
  {
    id: 'compact-binaries',
    source: 'WebAssembly binaries are no larger than the compiled code ... much smaller than Docker containers',
    decidedBy: '.wasm size vs native binary of the same source vs container image size',
    suite: 'portability',
  },
  {
    id: 'same-binary-everywhere',
    source: "The same WebAssembly binary can run on Windows, macOS, Linux ... Intel's architecture, Arm's",
    decidedBy: 'one artifact (sha256) gives byte-identical output on every OS, architecture and engine it runs on',
    suite: 'portability',
  },
  {
    id: 'near-native',
    source: 'execution times nearing native application execution',
    decidedBy: 'CPU-bound workloads, Wasm time / native time for the same source',
    suite: 'portability',
  },
];

/**
 * The rule every verdict follows, in one sentence: the ledger (HTML and
 * console) prints it above the verdicts.
 */
export const REPRESENTATIVE_RULE =
  'Every claim is decided on one declared representative per substrate (core/representatives.ts): for Wasm a fresh instance per request, judged per engine with the reference runtime heading the ledger; variants are shown, never decide; no best-of across configurations or engines; verdicts on 95% intervals (the whole interval past the threshold confirms or refutes, a straddling one is inconclusive); no p99 from fewer than 100 samples; a failed cell never decides.';

/** Looks a claim up by id; throws on an unknown id (a programming error). */
export function claimById(id: string): Claim {
  const claim = CLAIMS.find((candidate) => candidate.id === id);
  if (!claim) throw new Error(`unknown claim id: ${id}`);
  return claim;
}

/** A `not-run` verdict with its reason. */
export function notRun(id: string, reason: string): ClaimVerdict {
  return { id, verdict: 'not-run', reason, measured: claimById(id).decidedBy, threshold: '-', evidence: [], judged: '-' };
}

/**
 * The one rule every threshold verdict follows: the whole interval past the
 * threshold confirms or refutes, an interval that straddles it (or touches
 * it) is inconclusive, and so is a figure without an interval or with fewer
 * samples than it needs. Returns the verdict and why, in one clause.
 */
export function judgeMargin(margin: Margin, minSamples = 1): { verdict: Verdict; why: string } {
  if (margin.n < minSamples) return { verdict: 'inconclusive', why: `only ${margin.n} sample(s) behind ${margin.figure}, ${minSamples} needed` };
  // An end may be infinite (a ratio over a reading of 0 is unbounded above); a missing end (NaN) is no interval.
  if (Number.isNaN(margin.low) || Number.isNaN(margin.high)) return { verdict: 'inconclusive', why: `${margin.figure} has no interval (n=${margin.n})` };
  const { low, high, threshold } = margin;
  if (margin.confirmsWhen === 'below') {
    if (high < threshold) return { verdict: 'confirmed', why: 'the whole interval is below the threshold' };
    if (low >= threshold) return { verdict: 'refuted', why: 'the whole interval is at or above the threshold' };
    return { verdict: 'inconclusive', why: 'the interval straddles the threshold' };
  }
  if (margin.confirmsWhen === 'at-least') {
    if (low >= threshold) return { verdict: 'confirmed', why: 'the whole interval is at or above the threshold' };
    if (high < threshold) return { verdict: 'refuted', why: 'the whole interval is below the threshold' };
    return { verdict: 'inconclusive', why: 'the interval straddles the threshold' };
  }
  const top = margin.thresholdHigh ?? Number.POSITIVE_INFINITY;
  if (low >= threshold && high <= top) return { verdict: 'confirmed', why: 'the whole interval is inside the range' };
  if (high < threshold || low > top) return { verdict: 'refuted', why: 'the whole interval is outside the range' };
  return { verdict: 'inconclusive', why: 'the interval straddles an end of the range' };
}

/** A margin in words: `L1 p99 of hello 412 us (95% CI 380-450 us, order statistics, n=1000) vs < 1 ms`. */
export function describeMargin(margin: Margin, format: (value: number) => string = String): string {
  const end = (value: number): string => (value === Number.POSITIVE_INFINITY ? 'unbounded' : value === Number.NEGATIVE_INFINITY ? '-unbounded' : format(value));
  const interval = !Number.isNaN(margin.low) && !Number.isNaN(margin.high) ? `${margin.interval} ${end(margin.low)}-${end(margin.high)}` : 'no interval';
  const side = margin.confirmsWhen === 'below' ? `< ${format(margin.threshold)}` : margin.confirmsWhen === 'at-least' ? `>= ${format(margin.threshold)}` : `within ${format(margin.threshold)}-${format(margin.thresholdHigh ?? Number.POSITIVE_INFINITY)}`;
  return `${margin.figure} ${end(margin.value)} (${interval}, n=${margin.n}) vs ${side}`;
}

/**
 * The ledger a run writes: the verdicts the suites gave, and `not-run` with
 * its reason for every claim no suite decided.
 */
export function completeLedger(decided: ReadonlyMap<string, ClaimVerdict>, ranSuites: ReadonlySet<SuiteName>): ClaimVerdict[] {
  return CLAIMS.map((claim) => {
    const verdict = decided.get(claim.id);
    if (verdict) return verdict;
    const reason = ranSuites.has(claim.suite)
      ? `the ${claim.suite} suite ran but could not decide this claim`
      : `the ${claim.suite} suite did not run (select it with --suite ${claim.suite})`;
    return notRun(claim.id, reason);
  });
}
