/**
 * suites/coldstart: cold start of every available cell, layer by layer
 * (DESIGN.md section 3): first load, L0 instantiate, L1 invoke in-process,
 * L2 first byte over HTTP through the common front; plus the idle cost of
 * pre-warmed and warm slots; and, for the server runners, first load, server
 * start and L2 against the server itself (servers.ts). Decides the
 * cold-start and pre-warm claims.
 */
import { responseMismatch, cannedRequest, loadWorkload, type Workload } from '../../fixtures/manifest.ts';
import { sampleRows, summaryRows, valueRow, type CellKey } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { toBenchError } from '../../core/errors.ts';
import type { Cell, InvokeResult } from '../../runners/types.ts';
import { cellLabel, failedCellOutcome, matrixCells, openVerified, type MatrixCell } from '../cells.ts';
import { startFront, type FrontHandle } from '../http-front/front.ts';
import { createAgent, sendRequest } from '../../runners/http-server/http-client.ts';
import { routePath } from '../http-front/spec.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { sampleInterleaved, type SamplingPlan } from './sampling.ts';
import { measureServers } from './servers.ts';
import { decideColdstart } from './verdict.ts';

/** Sampling plans per profile: fast cells reach `samples`, slow cells stop at the budget. */
export const COLDSTART_PLANS = {
  quick: { l1: { warmup: 20, samples: 1000, budgetMs: 4000 }, l2: { warmup: 10, samples: 300, budgetMs: 3000 }, serverStart: { warmup: 1, samples: 20, budgetMs: 8000 }, idleWindowMs: 1000 },
  full: { l1: { warmup: 100, samples: 5000, budgetMs: 40_000 }, l2: { warmup: 50, samples: 2000, budgetMs: 20_000 }, serverStart: { warmup: 2, samples: 100, budgetMs: 60_000 }, idleWindowMs: 5000 },
} satisfies Record<string, { l1: SamplingPlan; l2: SamplingPlan; serverStart: SamplingPlan; idleWindowMs: number }>;

/** The minimal workload and a heavier one (request parsing and JSON). */
export const COLDSTART_WORKLOADS = ['hello', 'echo'];

/** Pre-warmed pool size used for every pre-warmed cell. */
const POOL_SIZE = 4;

export const coldstartSuite: Suite = {
  name: 'coldstart',
  description: 'first load, L0, L1 and L2 cold start per cell, and the idle cost of pre-warmed slots',
  async run(context) {
    const wanted = context.workloads.filter((name) => COLDSTART_WORKLOADS.includes(name));
    for (const name of wanted.length ? wanted : COLDSTART_WORKLOADS) {
      await measureWorkload(context, loadWorkload(name));
    }
    for (const verdict of decideColdstart(context.results.measurements, context.unavailable)) context.results.decide(verdict);
  },
};

async function measureWorkload(context: SuiteContext, workload: Workload): Promise<void> {
  const { signal, progress, results } = context;
  const plan = COLDSTART_PLANS[context.profile];
  const canned = cannedRequest(workload);
  const key = (cell: MatrixCell, phase: string): CellKey => ({ suite: 'coldstart', runner: cell.runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: workload.name, phase, metric: 'duration', unit: 'ns' });

  // First load (compile / build) is reported apart from cold start.
  for (const runner of context.runners) {
    for (const config of runner.configurations) {
      signal.throwIfAborted();
      try {
        const prepared = await runner.prepare(workload, config, signal);
        progress(`${runner.name}[${config}] first load of ${workload.name}: ${(prepared.firstLoadNs / 1e6).toFixed(1)} ms (${prepared.detail})`);
        const cell = { runner, config, lifecycle: 'cold' as const };
        // A cached artifact (an image already built) cost nothing now: that is no first-load figure, so no row.
        if (prepared.firstLoadNs > 0) results.record(valueRow({ ...key(cell, 'first-load'), lifecycle: '-' }, prepared.firstLoadNs));
        results.record(valueRow({ ...key(cell, 'first-load'), lifecycle: '-', metric: 'artifact-bytes', unit: 'bytes' }, prepared.artifactBytes));
      } catch (error) {
        if (signal.aborted) throw error;
        progress(`${runner.name}[${config}] cannot prepare ${workload.name}: ${toBenchError(error).message}`);
      }
    }
  }

  const open: { matrixCell: MatrixCell; cell: Cell }[] = [];
  try {
    for (const matrixCell of matrixCells(context.runners)) {
      signal.throwIfAborted();
      const verified = await openVerified(matrixCell, { workload, poolSize: POOL_SIZE }, canned, signal);
      if (verified.status === 'failed') {
        progress(`${cellLabel(matrixCell)} ${workload.name} excluded: ${verified.reason}`);
        results.recordOutcomes([failedCellOutcome('coldstart', matrixCell, workload.name, verified.reason)]);
        continue;
      }
      open.push({ matrixCell, cell: verified.cell });
    }

    progress(`${workload.name}: L0/L1 over ${open.length} cells, interleaved (${plan.l1.samples} samples or ${plan.l1.budgetMs / 1000}s per cell)`);
    const sampled = await sampleInterleaved(
      open.map(({ matrixCell, cell }) => ({
        label: cellLabel(matrixCell),
        sample: async (): Promise<InvokeResult> => {
          const result = await cell.invoke(canned.request, signal);
          const mismatch = responseMismatch(canned.expected, result.response);
          if (mismatch) throw new Error(`wrong answer during sampling: ${mismatch}`);
          return result;
        },
      })),
      plan.l1,
      { signal, onRound: roundProgress(progress, `${workload.name} L1`) },
    );
    sampled.forEach((outcome, index) => {
      const { matrixCell } = open[index] as (typeof open)[number];
      if (outcome.error) {
        progress(`${outcome.label} ${workload.name} excluded: ${outcome.error}`);
        results.recordOutcomes([failedCellOutcome('coldstart', matrixCell, workload.name, outcome.error)]);
        return;
      }
      const l1 = outcome.values.map((r) => r.invokeNs);
      const l0 = outcome.values.map((r) => r.instantiateNs).filter((v): v is number => v !== null);
      results.record([...sampleRows(key(matrixCell, 'L1'), l1), ...summaryRows(key(matrixCell, 'L1'), summarize(l1))]);
      if (l0.length) results.record([...sampleRows(key(matrixCell, 'L0'), l0), ...summaryRows(key(matrixCell, 'L0'), summarize(l0))]);
      const s = summarize(l1);
      progress(`${outcome.label} ${workload.name}: L1 p50 ${(s.p50 / 1e3).toFixed(1)} us, p99 ${(s.p99 / 1e3).toFixed(1)} us (n=${s.count})`);
    });

    for (const { matrixCell, cell } of open) {
      if (!cell.idleCost || matrixCell.lifecycle === 'cold') continue;
      signal.throwIfAborted();
      const idle = await cell.idleCost();
      if (idle.slots <= 0) continue;
      const idleKey = { ...key(matrixCell, 'idle'), unit: 'bytes', metric: 'rss-per-slot' };
      results.record(valueRow(idleKey, idle.rssBytes / idle.slots));
      results.record(valueRow({ ...idleKey, metric: 'cpu-per-slot', unit: 'cores' }, idle.cpuCores / idle.slots));
      results.record(valueRow({ ...idleKey, metric: 'slots', unit: 'count' }, idle.slots));
      progress(`${cellLabel(matrixCell)} idle: ${(idle.rssBytes / idle.slots / 1024).toFixed(0)} KiB and ${(idle.cpuCores / idle.slots).toFixed(4)} cores per slot (${idle.method})`);
    }
  } finally {
    await Promise.allSettled(open.map(({ cell }) => cell.close()));
  }

  await measureL2(context, workload, plan.l2, key);
  // Why a warm-up start: the first start fills the server's compile cache (the first load above starts with an empty one).
  await measureServers(context, workload, { serverStart: plan.serverStart, l2: plan.l2 });
}

/** L2: first byte over HTTP through the common front, for the cold and pre-warmed cells. */
async function measureL2(context: SuiteContext, workload: Workload, plan: SamplingPlan, key: (cell: MatrixCell, phase: string) => CellKey): Promise<void> {
  const { signal, progress, results } = context;
  const canned = cannedRequest(workload);
  const cells = matrixCells(context.runners, ['cold', 'prewarmed']);
  if (!cells.length) return;
  const routeOf = (cell: MatrixCell): string => `${cell.runner.name}:${cell.config}:${cell.lifecycle}`;
  let front: FrontHandle | undefined;
  try {
    progress(`${workload.name}: starting the HTTP front for L2 (${cells.length} cells)`);
    front = await startFront(
      { routes: cells.map((cell) => ({ route: routeOf(cell), runner: cell.runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: workload.name, poolSize: POOL_SIZE })), workers: 1 },
      { signal },
    );
    const base = front.url;
    const query = canned.request.query ? `?${canned.request.query}` : '';
    const agents = cells.map(() => createAgent());
    const sampled = await sampleInterleaved(
      cells.map((cell, index) => ({
        label: cellLabel(cell),
        sample: async (): Promise<number> => {
          // The whole canned request (method, headers, body), so echo's POST is what the front receives.
          const seen = await sendRequest(`${base}${routePath(routeOf(cell), canned.request.path)}${query}`, canned.request, agents[index]!, { signal });
          const mismatch = responseMismatch(canned.expected, seen.response);
          if (mismatch) throw new Error(`wrong answer over HTTP: ${mismatch}`);
          return seen.firstByteNs;
        },
      })),
      plan,
      { signal, onRound: roundProgress(progress, `${workload.name} L2`) },
    );
    for (const agent of agents) agent.destroy();
    sampled.forEach((outcome, index) => {
      const cell = cells[index] as MatrixCell;
      if (outcome.error) {
        results.recordOutcomes([failedCellOutcome('coldstart', cell, workload.name, `L2: ${outcome.error}`)]);
        return;
      }
      results.record([...sampleRows(key(cell, 'L2'), outcome.values), ...summaryRows(key(cell, 'L2'), summarize(outcome.values))]);
      const s = summarize(outcome.values);
      progress(`${outcome.label} ${workload.name}: L2 p50 ${(s.p50 / 1e3).toFixed(1)} us, p99 ${(s.p99 / 1e3).toFixed(1)} us (n=${s.count})`);
    });
  } catch (error) {
    if (signal.aborted) throw error;
    progress(`L2 for ${workload.name} failed: ${toBenchError(error).message}`);
  } finally {
    await front?.close();
  }
}

/** Progress every few rounds, so a long interleaved sampling shows it is alive. */
function roundProgress(progress: (message: string) => void, what: string): (round: number, active: number) => void {
  return (round, active) => {
    if (round === 1 || round % 5 === 0) progress(`${what}: round ${round}, ${active} cell(s) still sampling`);
  };
}
