/**
 * First byte of deployed targets (`wsb bench --targets FILE`), the L2 row of
 * a platform the suite did not start: the canned request sent to the
 * target's URL, first byte timed, answer checked. The series runs on one
 * kept-alive connection (the platform's own front is the common part; what
 * it keeps warm is its own business: lifecycle `-`). A target that says it
 * scales to zero also gets cold first requests (lifecycle `from-zero`):
 * each after the target was left idle for its `idleSeconds`, on a new
 * connection. A target that answers wrongly or not at all is a failed cell.
 */
import { nowNs, sleep } from '../../core/clock.ts';
import { sampleRows, summaryRows, type CellKey, type Measurement } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { cannedRequest, loadWorkload } from '../../fixtures/manifest.ts';
import { createAgent } from '../../runners/http-server/http-client.ts';
import { askTarget, verifyTarget } from '../targets/ask.ts';
import { targetKey, targetOutcome, type DeployedTarget } from '../targets/targets-file.ts';
import type { SuiteContext } from '../types.ts';
import { sampleInterleaved, type SamplingPlan } from './sampling.ts';

/** How targets are sampled. */
export interface TargetPlan {
  /** The kept-alive series. */
  l2: SamplingPlan;
  /** Cold first requests per scale-to-zero target, each after its idle time. */
  fromZeroRequests: number;
}

/** The lifecycle of a cold first request after the platform scaled to zero. */
export const FROM_ZERO = 'from-zero';

/** Measures every target on the coldstart workloads it serves; rows and failed cells go to the context's results. */
export async function measureTargets(context: SuiteContext, targets: readonly DeployedTarget[], workloads: readonly string[], plan: TargetPlan): Promise<void> {
  const { signal, progress, results } = context;
  const key = (target: DeployedTarget, workload: string, lifecycle: string): CellKey => ({ suite: 'coldstart', ...targetKey(target), lifecycle, workload, phase: 'L2', metric: 'duration', unit: 'ns' });
  const failed = (target: DeployedTarget, workload: string, condition: string, detail: string, outcome = 'failed'): void => {
    progress(`target ${target.name} ${workload} ${outcome === 'failed' ? 'excluded' : outcome}: ${detail}`);
    results.recordOutcomes([targetOutcome('coldstart', target, workload, { condition, outcome, detail, lifecycle: condition === FROM_ZERO ? FROM_ZERO : '-' })]);
  };

  const series: { target: DeployedTarget; workload: string }[] = [];
  for (const target of targets) {
    signal.throwIfAborted();
    const served = workloads.filter((name) => target.workloads.includes(name));
    if (!served.length) {
      failed(target, target.workloads[0] ?? '-', 'L2', `serves none of the cold-start workloads (${workloads.join(', ')})`, 'not-run');
      continue;
    }
    progress(`target ${target.name} (${target.substrate}): checking ${served.join(', ')}`);
    const problems = await verifyTarget(target, served, signal);
    for (const workload of served) {
      const problem = problems.get(workload);
      if (problem) failed(target, workload, 'verification', problem);
      else series.push({ target, workload });
    }
  }
  if (!series.length) return;

  progress(`targets: L2 over ${series.length} target cell(s), interleaved`);
  const agents = series.map(({ target }) => createAgent(target.url));
  try {
    const sampled = await sampleInterleaved(
      series.map(({ target, workload }, index) => ({
        label: `target ${target.name} ${workload}`,
        sample: async (): Promise<number> => {
          const answer = await askTarget(target, workload, cannedRequest(loadWorkload(workload)), agents[index]!, signal);
          if (answer.problem || !answer.seen) throw new Error(answer.problem ?? 'no answer');
          return answer.seen.firstByteNs;
        },
      })),
      plan.l2,
      { signal },
    );
    sampled.forEach((outcome, index) => {
      const { target, workload } = series[index]!;
      if (outcome.error) return failed(target, workload, 'L2', outcome.error);
      const s = summarize(outcome.values);
      results.record([...sampleRows(key(target, workload, '-'), outcome.values), ...summaryRows(key(target, workload, '-'), s)]);
      progress(`target ${target.name} ${workload}: L2 p50 ${(s.p50 / 1e6).toFixed(2)} ms, p99 ${(s.p99 / 1e6).toFixed(2)} ms (n=${s.count})`);
    });
  } finally {
    for (const agent of agents) agent.destroy();
  }

  // Cold first requests: every scale-to-zero target idles at the same time, each on its own clock.
  const coldCells = series.filter(({ target }, index) => target.scalesToZero && series.findIndex((other) => other.target === target) === index);
  await Promise.all(coldCells.map(async ({ target, workload }) => {
    const rows = await measureFromZero(target, workload, plan.fromZeroRequests, key(target, workload, FROM_ZERO), signal, progress);
    if (typeof rows === 'string') failed(target, workload, FROM_ZERO, rows);
    else results.record(rows);
  }));
}

/**
 * Cold first requests after idling: each waits the target's idle time with
 * no traffic, then sends one request on a new connection. Resolves with the
 * rows (samples and what summaryRows writes from a few: count, min, mean,
 * p50, max of the first byte; and the idle time
 * actually waited), or the reason the target failed.
 */
async function measureFromZero(target: DeployedTarget, workload: string, requests: number, key: CellKey, signal: AbortSignal, progress: (message: string) => void): Promise<Measurement[] | string> {
  const canned = cannedRequest(loadWorkload(workload));
  const firstBytes: number[] = [];
  const idles: number[] = [];
  for (let i = 0; i < requests; i++) {
    progress(`target ${target.name}: idle ${target.idleSeconds} s before cold request ${i + 1}/${requests}`);
    const idleStartNs = nowNs();
    await sleep((target.idleSeconds ?? 0) * 1000, signal);
    const agent = createAgent(target.url);
    try {
      idles.push(nowNs() - idleStartNs);
      const answer = await askTarget(target, workload, canned, agent, signal);
      if (answer.problem || !answer.seen) return `cold request ${i + 1}: ${answer.problem ?? 'no answer'}`;
      firstBytes.push(answer.seen.firstByteNs);
    } finally {
      agent.destroy();
    }
  }
  const s = summarize(firstBytes);
  progress(`target ${target.name} ${workload}: from zero, first byte p50 ${(s.p50 / 1e6).toFixed(1)} ms (n=${s.count})`);
  // A handful of samples: summaryRows writes no p90, p99 or interval from them.
  return [...sampleRows(key, firstBytes), ...summaryRows(key, s), ...sampleRows({ ...key, metric: 'idle-before' }, idles)];
}
