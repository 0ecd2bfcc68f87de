/**
 * Cold start of the server runners (`wasmtime serve`, `spin up`, the native
 * server as a process and as a container), server to server:
 * - first load: the first start of a server that has never seen the
 *   artifact (an empty compile cache, an image build), as the matrix cells'
 *   first load;
 * - `server-start`: start of the server -> its first correct response,
 *   every sample a new server (what scaling from zero costs);
 * - L2: request sent -> first byte of the response, over one keep-alive
 *   connection to a running server, the canned request of the workload.
 *   For `wasmtime serve` and `spin up` every request is a fresh instance
 *   (lifecycle `cold`); the native server answers from one long-lived
 *   process (lifecycle `warm`), so its L2 is no cold start and says so.
 */
import { toBenchError } from '../../core/errors.ts';
import { sampleRows, summaryRows, valueRow, type CellKey } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { cannedRequest, responseMismatch, type Workload } from '../../fixtures/manifest.ts';
import { createAgent, requestUrl, sendRequest } from '../../runners/http-server/http-client.ts';
import type { ServerHandle } from '../../runners/types.ts';
import { failedServerOutcome, serverCells, serverLabel, startVerified, unavailableServerOutcomes, type ServerCell } from '../servers.ts';
import { cellOpenMs, sampledCellMs, sumMs } from '../plan.ts';
import type { PlanInput, SuiteContext } from '../types.ts';
import { sampleInterleaved, type SamplingPlan } from './sampling.ts';

/** Sampling plans of the server measurements. */
export interface ServerPlans {
  serverStart: SamplingPlan;
  l2: SamplingPlan;
}

/** Planned time of the server measurements of one workload, ms (suites/plan.ts figures): first load, the start budget, one server start and L2. */
export function serverPlanMs(input: PlanInput, plans: ServerPlans): { plannedMs: number; count: number } {
  const cells = serverCells(input);
  // Why 2 s for a first load: wasmtime serve compiles the component with Cranelift on an empty cache; a start to first response is
  // tens of ms for wasmtime serve and the native server, a few hundred for a container (planning estimates, quick runs on 2 cores).
  const startMs = (cell: ServerCell): number => (cell.runner.name.startsWith('container') ? 300 : 50);
  const perCell = (cell: ServerCell): number =>
    2000 + Math.min(plans.serverStart.budgetMs, (plans.serverStart.warmup + plans.serverStart.samples) * startMs(cell)) + cellOpenMs(cell.runner.name) + sampledCellMs(cell.runner.name, 'warm', plans.l2);
  return { plannedMs: sumMs(cells.map(perCell)), count: cells.length };
}

function key(cell: ServerCell, workload: string, phase: string): CellKey {
  return { suite: 'coldstart', runner: cell.runner.name, config: cell.config, lifecycle: cell.runner.serverLifecycle, workload, phase, metric: 'duration', unit: 'ns' };
}

/** First load, server start and L2 of every server runner's configurations, for one workload. */
export async function measureServers(context: SuiteContext, workload: Workload, plans: ServerPlans): Promise<void> {
  const { signal, progress, results } = context;
  results.recordOutcomes(unavailableServerOutcomes('coldstart', context.unavailable, workload.name));
  const cells = serverCells(context);
  if (!cells.length) return;

  const usable: ServerCell[] = [];
  for (const cell of cells) {
    signal.throwIfAborted();
    try {
      const prepared = await cell.runner.prepare(workload, cell.config, signal);
      progress(`${serverLabel(cell)} first load of ${workload.name}: ${(prepared.firstLoadNs / 1e6).toFixed(1)} ms (${prepared.detail})`);
      if (prepared.firstLoadNs > 0) results.record(valueRow({ ...key(cell, workload.name, 'first-load'), lifecycle: '-' }, prepared.firstLoadNs));
      results.record(valueRow({ ...key(cell, workload.name, 'first-load'), lifecycle: '-', metric: 'artifact-bytes', unit: 'bytes' }, prepared.artifactBytes));
      usable.push(cell);
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = toBenchError(error).message;
      progress(`${serverLabel(cell)} ${workload.name} excluded: ${reason}`);
      results.recordOutcomes([failedServerOutcome('coldstart', cell, workload.name, reason)]);
    }
  }

  progress(`${workload.name}: server start over ${usable.length} server(s), interleaved (${plans.serverStart.samples} starts or ${plans.serverStart.budgetMs / 1000}s each)`);
  const starts = await sampleInterleaved(
    usable.map((cell) => ({
      label: serverLabel(cell),
      sample: async (): Promise<number> => {
        const server = await cell.runner.startServer({ workload, config: cell.config }, signal);
        await server.close();
        return server.startNs;
      },
    })),
    plans.serverStart,
    { signal },
  );
  starts.forEach((outcome, index) => {
    const cell = usable[index]!;
    if (outcome.error) {
      results.recordOutcomes([failedServerOutcome('coldstart', cell, workload.name, `server start: ${outcome.error}`)]);
      return;
    }
    const k = key(cell, workload.name, 'server-start');
    results.record([...sampleRows(k, outcome.values), ...summaryRows(k, summarize(outcome.values))]);
    const s = summarize(outcome.values);
    progress(`${outcome.label} ${workload.name}: start to first response p50 ${(s.p50 / 1e6).toFixed(1)} ms (n=${s.count})`);
  });

  await measureServerL2(context, workload, usable, plans.l2);
}

/** L2 over one keep-alive connection to each running server, interleaved. */
async function measureServerL2(context: SuiteContext, workload: Workload, cells: readonly ServerCell[], plan: SamplingPlan): Promise<void> {
  const { signal, progress, results } = context;
  const canned = cannedRequest(workload);
  const running: { cell: ServerCell; server: ServerHandle }[] = [];
  try {
    for (const cell of cells) {
      const verified = await startVerified(cell, workload, signal);
      if (verified.status === 'failed') {
        progress(`${serverLabel(cell)} ${workload.name} excluded: ${verified.reason}`);
        results.recordOutcomes([failedServerOutcome('coldstart', cell, workload.name, verified.reason)]);
        continue;
      }
      running.push({ cell, server: verified.server });
    }
    const agents = running.map(() => createAgent());
    const sampled = await sampleInterleaved(
      running.map(({ cell, server }, index) => ({
        label: serverLabel(cell),
        sample: async (): Promise<number> => {
          const seen = await sendRequest(requestUrl(server.url, canned.request), canned.request, agents[index]!, { signal });
          const mismatch = responseMismatch(canned.expected, seen.response);
          if (mismatch) throw new Error(`wrong answer over HTTP: ${mismatch}`);
          return seen.firstByteNs;
        },
      })),
      plan,
      { signal },
    );
    for (const agent of agents) agent.destroy();
    sampled.forEach((outcome, index) => {
      const { cell } = running[index]!;
      if (outcome.error) {
        results.recordOutcomes([failedServerOutcome('coldstart', cell, workload.name, `L2: ${outcome.error}`)]);
        return;
      }
      const k = key(cell, workload.name, 'L2');
      results.record([...sampleRows(k, outcome.values), ...summaryRows(k, summarize(outcome.values))]);
      const s = summarize(outcome.values);
      progress(`${outcome.label} ${workload.name}: L2 p50 ${(s.p50 / 1e3).toFixed(1)} us, p99 ${(s.p99 / 1e3).toFixed(1)} us (n=${s.count})`);
    });
  } finally {
    await Promise.allSettled(running.map(({ server }) => server.close()));
  }
}
