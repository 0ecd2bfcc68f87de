/**
 * Noisy neighbours: a victim app (hello) serves requests on a runner
 * configuration while a neighbour on the same configuration crashes, hogs the
 * CPU or hogs memory, request after request. The victim's latency (p50, p99)
 * beside each is the evidence, judged against the victim beside a busy but
 * well-behaved neighbour (hello, back to back): on a small shared machine any
 * busy neighbour costs the victim some tail latency through plain CPU
 * contention, and interference is what a misbehaving neighbour costs beyond
 * that. A victim with no neighbour is measured too, for reference. Every
 * configuration of every runner is measured, so a configuration that trades
 * isolation for speed (the `wasm` runner's inline execution) shows it.
 */
import { nowNs, sleep } from '../../core/clock.ts';
import { toBenchError } from '../../core/errors.ts';
import { summaryRows, valueRow, type CellKey, type Measurement, type Outcome } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, responseMismatch } from '../../fixtures/manifest.ts';
import type { Cell, Lifecycle, Runner } from '../../runners/types.ts';
import type { SuiteContext } from '../types.ts';
import { suiteConfigs } from '../cells.ts';
import { probeRequest } from './matrix.ts';

/** A noisy neighbour: the workload it runs request after request. */
export interface NoisyNeighbour {
  name: 'none' | 'busy' | 'cpu-hog' | 'mem-hog' | 'crash';
  workload?: string;
  query?: string;
  maxMemoryMib?: number;
}

/** The neighbours: `none` (the victim alone) and `busy` (the well-behaved baseline) first. */
export const NEIGHBOURS: readonly NoisyNeighbour[] = [
  { name: 'none' },
  { name: 'busy', workload: 'hello' },
  { name: 'cpu-hog', workload: 'cpu-hog', query: 'ms=200' },
  { name: 'mem-hog', workload: 'memory-grow', query: 'mib=192', maxMemoryMib: 256 },
  { name: 'crash', workload: 'crash', query: 'mode=abort' },
];

/** Victim requests per condition: a count, or a time budget for slow cells. */
export const INTERFERENCE_PLANS = {
  // Why 1500: the p99 of a few hundred samples is the third-worst one, and a single stall of a shared VM decides it.
  // Why only the headline substrates in --quick: the victim-latency evidence is per substrate; the other engines are judged on the probe rows there and measured with --full.
  quick: { warmup: 10, samples: 1200, budgetMs: 1500, runners: ['wasm', 'process', 'container'] as readonly string[] | null },
  full: { warmup: 50, samples: 3000, budgetMs: 3000, runners: null as readonly string[] | null },
} as const;

/** The runners whose victim latency is measured in a profile (variants measure every runner). */
export function interferenceRunners<T extends { name: string }>(runners: readonly T[], profile: keyof typeof INTERFERENCE_PLANS, variants: boolean): T[] {
  const only = variants ? null : INTERFERENCE_PLANS[profile].runners;
  return runners.filter((runner) => !only || only.includes(runner.name));
}

/** Turns each condition takes. */
export const INTERFERENCE_ROUNDS = 3;

/** A victim p99 more than this many times its p99 beside the well-behaved neighbour counts as interference... */
export const INTERFERENCE_P99_FACTOR = 2;
/** ...when it is also at least this much slower in absolute terms (sub-millisecond jitter is not interference). */
export const INTERFERENCE_FLOOR_NS = 1e6;

/**
 * The victim's lifecycle per runner: a fresh instance per request (cold),
 * except containers, whose cold requests (~0.5 s each) give too few samples
 * in the budget for a p99: there the victim is a long-running container.
 */
export function victimLifecycle(runner: Runner): Lifecycle {
  return runner.name === 'container' && runner.lifecycles.includes('warm') ? 'warm' : 'cold';
}

/** The `config` of an interference row: the runner's configuration and the neighbour (`neighbour=<name>` alone for a runner's `default`). */
export function interferenceConfig(config: string, neighbour: string): string {
  return config === 'default' ? `neighbour=${neighbour}` : `${config} neighbour=${neighbour}`;
}

/** Whether a victim's latency beside a neighbour shows interference against its baseline (`baseline` names it in the reason), with the reason. */
export function judgeInterference(baselineP99Ns: number, besideP99Ns: number, victimErrors: number, baseline = 'beside a well-behaved busy neighbour'): { interfered: boolean; reason: string } {
  const text = `victim p99 ${(besideP99Ns / 1e6).toFixed(2)} ms beside it vs ${(baselineP99Ns / 1e6).toFixed(2)} ms ${baseline}`;
  if (victimErrors > 0) return { interfered: true, reason: `${victimErrors} victim request(s) failed; ${text}` };
  const interfered = besideP99Ns > INTERFERENCE_P99_FACTOR * baselineP99Ns && besideP99Ns - baselineP99Ns >= INTERFERENCE_FLOOR_NS;
  return { interfered, reason: `${text} (threshold: > ${INTERFERENCE_P99_FACTOR}x and >= ${INTERFERENCE_FLOOR_NS / 1e6} ms slower)` };
}

/** Judges the victim beside `neighbour` on one runner configuration against its baseline (beside `busy`; alone for results without it); null without figures. */
export function judgeNeighbour(rows: readonly Measurement[], runner: string, config: string, neighbour: string): { interfered: boolean; reason: string; count: number } | null {
  const busy = victimFigures(rows, runner, config, 'busy');
  const baseline = busy ?? victimFigures(rows, runner, config, 'none');
  const beside = victimFigures(rows, runner, config, neighbour);
  if (!baseline || !beside) return null;
  return { ...judgeInterference(baseline.p99Ns, beside.p99Ns, beside.errors, busy ? undefined : 'alone'), count: beside.count };
}

/** Keeps a neighbour busy until stopped; counts its requests. */
function startNoise(cell: Cell, neighbour: NoisyNeighbour, signal: AbortSignal): { count(): number; stop(): Promise<number> } {
  let stopped = false;
  let requests = 0;
  const request = probeRequest(neighbour.workload as string, neighbour.query ?? '');
  const loop = (async () => {
    while (!stopped && !signal.aborted) {
      // Errors are the point of some neighbours (crash, memory cap): keep going.
      await cell.invoke(request, signal).catch(() => undefined);
      requests++;
    }
  })();
  return {
    count: () => requests,
    async stop() {
      stopped = true;
      await loop;
      return requests;
    },
  };
}

/** Measures the victim beside each neighbour on one runner configuration; returns the rows written. */
async function measureRunner(context: SuiteContext, runner: Runner, config: string): Promise<Measurement[]> {
  const { signal, progress } = context;
  const plan = INTERFERENCE_PLANS[context.profile];
  const lifecycle = victimLifecycle(runner);
  const hello = loadWorkload('hello');
  const canned = cannedRequest(hello);
  const rows: Measurement[] = [];
  const victim = await runner.open({ workload: hello, lifecycle, config }, signal);
  const noisyCells = new Map<string, Cell>();
  try {
    // Why open every neighbour first: a runner that cannot run one of them (no port of the probe) fails before anything is timed.
    for (const neighbour of NEIGHBOURS) {
      if (neighbour.workload) noisyCells.set(neighbour.name, await runner.open({ workload: loadWorkload(neighbour.workload), lifecycle: 'cold', config, deadlineMs: 10_000, maxMemoryMib: neighbour.maxMemoryMib ?? 64 }, signal));
    }
    const latencies = new Map<string, number[]>(NEIGHBOURS.map((neighbour) => [neighbour.name, []]));
    const errors = new Map<string, number>(NEIGHBOURS.map((neighbour) => [neighbour.name, 0]));
    const noisyRequests = new Map<string, number>(NEIGHBOURS.map((neighbour) => [neighbour.name, 0]));
    // Why rounds: the conditions take turns (A B C D A B C D ...), so drift of a shared machine hits all of them alike.
    for (let round = 0; round < INTERFERENCE_ROUNDS; round++) {
      for (const neighbour of NEIGHBOURS) {
        signal.throwIfAborted();
        const noisyCell = noisyCells.get(neighbour.name);
        const noise = noisyCell ? startNoise(noisyCell, neighbour, signal) : undefined;
        try {
          // Why wait: the neighbour's first request must be running before the victim is timed.
          if (noise) await sleep(100, signal);
          const warmup = round === 0 ? plan.warmup : 0;
          const startNs = nowNs();
          const noiseAtStart = noise?.count() ?? 0;
          // Why sample until two neighbour requests completed: the window then spans at least one whole noisy request, however slow the runner starts one (bounded by the budget).
          const overlapped = (): boolean => !noise || noise.count() > noiseAtStart + 1;
          for (let i = 0; i < warmup + plan.samples / INTERFERENCE_ROUNDS || !overlapped(); i++) {
            if (i >= warmup && (nowNs() - startNs) / 1e6 > plan.budgetMs / INTERFERENCE_ROUNDS) break;
            const sentNs = nowNs();
            let failed = false;
            try {
              const result = await victim.invoke(canned.request, signal);
              failed = responseMismatch(canned.expected, result.response) !== null;
            } catch (error) {
              if (signal.aborted) throw error;
              failed = true;
            }
            // Why the suite's own clock: the victim's latency as its caller sees it, the same for every runner.
            if (i >= warmup) {
              (latencies.get(neighbour.name) as number[]).push(nowNs() - sentNs);
              if (failed) errors.set(neighbour.name, (errors.get(neighbour.name) ?? 0) + 1);
            }
          }
        } finally {
          const ran = noise ? await noise.stop() : 0;
          noisyRequests.set(neighbour.name, (noisyRequests.get(neighbour.name) ?? 0) + ran);
        }
      }
    }
    for (const neighbour of NEIGHBOURS) {
      const key: CellKey = { suite: 'isolation', runner: runner.name, config: interferenceConfig(config, neighbour.name), lifecycle, workload: 'hello', phase: 'interference', metric: 'victim-latency', unit: 'ns' };
      const summary = summarize(latencies.get(neighbour.name) as number[]);
      const failed = errors.get(neighbour.name) ?? 0;
      const ran = noisyRequests.get(neighbour.name) ?? 0;
      rows.push(...summaryRows(key, summary));
      rows.push(valueRow({ ...key, metric: 'victim-errors', unit: 'count' }, failed));
      rows.push(valueRow({ ...key, metric: 'neighbour-requests', unit: 'count' }, ran));
      progress(`interference ${runner.name}[${config}] victim/${lifecycle} beside ${neighbour.name}: p50 ${(summary.p50 / 1e6).toFixed(2)} ms, p99 ${(summary.p99 / 1e6).toFixed(2)} ms (n=${summary.count}, ${failed} failed, the neighbour ran ${ran} requests)`);
    }
  } finally {
    await Promise.allSettled([victim, ...noisyCells.values()].map((cell) => cell.close()));
  }
  return rows;
}

/** Runs the interference measurement on every configuration of every runner that can run the noisy neighbours; records rows and the cpu-hog matrix rows. */
export async function measureInterference(context: SuiteContext, runners: readonly Runner[]): Promise<void> {
  for (const runner of interferenceRunners(runners, context.profile, context.variants)) {
    for (const config of suiteConfigs(context, runner)) {
      context.signal.throwIfAborted();
      try {
        const rows = await measureRunner(context, runner, config);
        context.results.record(rows);
        const outcome = cpuHogOutcome(rows, runner.name, config);
        if (outcome) context.results.recordOutcomes([outcome]);
      } catch (error) {
        if (context.signal.aborted) throw error;
        const reason = toBenchError(error).message;
        context.progress(`interference on ${runner.name}[${config}]: not measured: ${reason}`);
        context.results.recordOutcomes([
          { suite: 'isolation', runner: runner.name, config, lifecycle: 'cold', workload: 'cpu-hog', subject: 'cpu-hog', condition: 'grant=none', outcome: 'not-applicable', detail: `interference not measured: ${reason}` },
        ]);
      }
    }
  }
}

/** The victim's p99 and errors beside a neighbour on one runner configuration, from interference rows. */
export function victimFigures(rows: readonly Measurement[], runner: string, config: string, neighbour: string): { p99Ns: number; errors: number; count: number } | null {
  const rowConfig = interferenceConfig(config, neighbour);
  const find = (metric: string, stat: string): Measurement | undefined =>
    rows.find((row) => row.suite === 'isolation' && row.phase === 'interference' && row.runner === runner && row.config === rowConfig && row.metric === metric && row.stat === stat);
  const p99 = find('victim-latency', 'p99');
  const count = find('victim-latency', 'count');
  if (!p99 || !count) return null;
  return { p99Ns: p99.value, errors: find('victim-errors', 'value')?.value ?? 0, count: count.value };
}

/** The matrix row of the cpu-hog probe (catalogue 15) for a runner configuration, decided by its victim's latency; null without figures. */
export function cpuHogOutcome(rows: readonly Measurement[], runner: string, config: string): Outcome | null {
  const judged = judgeNeighbour(rows, runner, config, 'cpu-hog');
  if (!judged) return null;
  const lifecycle = rows.find((row) => row.runner === runner && row.phase === 'interference')?.lifecycle ?? 'cold';
  return {
    suite: 'isolation',
    runner,
    config,
    lifecycle,
    workload: 'cpu-hog',
    subject: 'cpu-hog',
    condition: 'grant=none',
    outcome: judged.interfered ? 'host-affected' : 'contained',
    detail: `a CPU hog on the same runner: ${judged.reason}; n=${judged.count}`,
  };
}
