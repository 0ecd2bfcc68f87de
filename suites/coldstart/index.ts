/**
 * suites/coldstart: cold start of every available cell, layer by layer
 * (DESIGN.md section 3): first load, L0 instantiate, L1 invoke in-process,
 * L2 first byte over HTTP through the common front; plus the idle cost of
 * pre-warmed and warm slots; for the server runners, first load, server
 * start and L2 against the server itself (servers.ts); and the first byte of
 * deployed targets (targets.ts). Decides the cold-start and pre-warm claims.
 */
import { responseMismatch, cannedRequest, loadWorkload, type Workload } from '../../fixtures/manifest.ts';
import { sampleRows, summaryRows, valueRow, type CellKey } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { toBenchError } from '../../core/errors.ts';
import type { Cell, IdleCost, InvokeResult } from '../../runners/types.ts';
import { cellLabel, failedCellOutcome, openVerified, suiteCells, suiteConfigs, type MatrixCell } from '../cells.ts';
import { CONTAINER_RUNNER } from '../representatives.ts';
import type { ContainerRunner } from '../../runners/container/runner.ts';
import { startFront, type FrontHandle } from '../http-front/front.ts';
import { createAgent, sendRequest } from '../../runners/http-server/http-client.ts';
import { routePath } from '../http-front/spec.ts';
import type { PlanInput, Suite, SuiteContext } from '../types.ts';
import { cellOpenMs, FRONT_START_MS, idleReadingMs, planSeconds, sampledCellMs, sumMs } from '../plan.ts';
import { sampleInterleaved, type SamplingPlan } from './sampling.ts';
import type { DeployedTarget } from '../targets/targets-file.ts';
import { measureTargets } from './targets.ts';
import { measureServers, serverPlanMs } from './servers.ts';
import { decideColdstart, describeTiming } from './verdict.ts';

/** Sampling plans per profile: fast cells reach `samples`, slow cells stop at the budget; `fromZeroRequests` cold requests per scale-to-zero target. */
export const COLDSTART_PLANS = {
  // Why minSamples 8 and more: a slow cell (a container, ~0.3 s a request) must still give the median an interval (six samples at least) on a busy machine.
  // Why L2 only for the headline substrates in --quick: the claims are decided on L1; L2 beside them is for the substrates the ledger compares.
  // serverStart: a server runner's start to its first correct response, every sample a new server (suites/coldstart/servers.ts).
  quick: { l1: { warmup: 20, samples: 1000, budgetMs: 3000, minSamples: 8 }, l2: { warmup: 10, samples: 200, budgetMs: 1500, minSamples: 10 }, serverStart: { warmup: 1, samples: 20, budgetMs: 6000, minSamples: 10 }, idleReadings: 3, workloads: ['hello'], l2Runners: ['wasm', 'process', 'container'] as string[] | null, fromZeroRequests: 1 },
  full: { l1: { warmup: 100, samples: 5000, budgetMs: 6000, minSamples: 30 }, l2: { warmup: 50, samples: 2000, budgetMs: 4000, minSamples: 30 }, serverStart: { warmup: 2, samples: 100, budgetMs: 20_000, minSamples: 30 }, idleReadings: 5, workloads: ['hello'], l2Runners: null, fromZeroRequests: 3 },
} satisfies Record<string, { l1: SamplingPlan; l2: SamplingPlan; serverStart: SamplingPlan; idleReadings: number; workloads: string[]; l2Runners: string[] | null; fromZeroRequests: number }>;

/** Workloads the cold-start suite can measure: the minimal one (which decides the claims) and a heavier one (request parsing and JSON, when selected alone with --workload echo). */
export const COLDSTART_WORKLOADS = ['hello', 'echo'];

/** Pre-warmed pool size used for every pre-warmed cell. */
const POOL_SIZE = 4;

export const coldstartSuite: Suite = {
  name: 'coldstart',
  description: 'first load, L0, L1 and L2 cold start per cell, and the idle cost of pre-warmed slots',
  plan(input) {
    const plan = COLDSTART_PLANS[input.profile];
    const workloads = coldstartWorkloads(input);
    const cells = suiteCells(input);
    const calibration = input.runners.some((runner) => runner.name === CONTAINER_RUNNER) ? suiteConfigs(input, input.runners.find((runner) => runner.name === CONTAINER_RUNNER)!).length : 0;
    const firstLoadMs = sumMs(input.runners.map((runner) => suiteConfigs(input, runner).length * 500));
    const openMs = sumMs(cells.map((cell) => cellOpenMs(cell.runner.name) * (cell.lifecycle === 'prewarmed' ? 2 : 1))) + calibration * cellOpenMs(CONTAINER_RUNNER);
    const l1Ms = sumMs(cells.map((cell) => sampledCellMs(cell.runner.name, cell.lifecycle, plan.l1))) + calibration * sampledCellMs(CONTAINER_RUNNER, 'cold', plan.l1);
    const idleMs = sumMs(cells.filter((cell) => cell.lifecycle === 'prewarmed' || cell.lifecycle === 'warm').map((cell) => plan.idleReadings * idleReadingMs(cell.runner.name)));
    const l2Cells = l2CellsOf(input).length;
    const l2Ms = l2Cells ? FRONT_START_MS + sumMs(l2CellsOf(input).map((cell) => sampledCellMs(cell.runner.name, cell.lifecycle, plan.l2) + plan.l2.samples * 0.5)) : 0;
    const servers = serverPlanMs(input, { serverStart: plan.serverStart, l2: plan.l2 });
    const perWorkload = firstLoadMs + openMs + l1Ms + idleMs + l2Ms + servers.plannedMs;
    const targetsMs = targetsPlanMs(input.targets ?? [], workloads, plan);
    return {
      plannedMs: workloads.length * perWorkload + targetsMs,
      detail: `${workloads.join(', ')}: ${cells.length} cells${calibration ? ` and ${calibration} docker CLI calibration` : ''}: L1 up to ${planSeconds(l1Ms)}, idle ${planSeconds(idleMs)}, L2 ${l2Cells} cells ${planSeconds(l2Ms)}, opening ${planSeconds(openMs + firstLoadMs)}${servers.count ? `, ${servers.count} server(s) ${planSeconds(servers.plannedMs)}` : ''}${input.targets?.length ? `, ${input.targets.length} targets ${planSeconds(targetsMs)}` : ''}`,
    };
  },
  async run(context) {
    const workloads = coldstartWorkloads(context);
    for (const name of workloads) {
      await measureWorkload(context, loadWorkload(name));
    }
    if (context.targets?.length) await measureTargets(context, context.targets, workloads, COLDSTART_PLANS[context.profile]);
    for (const verdict of decideColdstart(context.results.measurements, context.unavailable)) context.results.decide(verdict);
  },
};

/** Deployed targets: each served workload checked and sampled over L2 within its budget, then the scale-to-zero ones idle together. */
function targetsPlanMs(targets: readonly DeployedTarget[], workloads: readonly string[], plan: (typeof COLDSTART_PLANS)[keyof typeof COLDSTART_PLANS]): number {
  const served = targets.reduce((sum, target) => sum + workloads.filter((name) => target.workloads.includes(name)).length, 0);
  const idleMs = Math.max(0, ...targets.map((target) => (target.idleSeconds ?? 0) * 1000 * plan.fromZeroRequests));
  return served * (TARGET_CHECK_MS + plan.l2.budgetMs) + idleMs;
}

/** Checking one workload of a deployed target (its canned requests over the network), ms. */
const TARGET_CHECK_MS = 1000;

/** The workloads measured: those selected that the profile measures (hello decides the claims). */
function coldstartWorkloads(input: PlanInput): string[] {
  const profileWorkloads = COLDSTART_PLANS[input.profile].workloads;
  const wanted = input.workloads.filter((name) => profileWorkloads.includes(name));
  if (wanted.length) return wanted;
  const chosen = input.workloads.filter((name) => COLDSTART_WORKLOADS.includes(name));
  return chosen.length ? chosen : profileWorkloads.slice(0, 1);
}

/** The cells measured over HTTP (L2): cold and pre-warmed of every runner with variants, else the headline substrates' cold cells. */
function l2CellsOf(input: PlanInput): MatrixCell[] {
  const only = input.variants ? null : COLDSTART_PLANS[input.profile].l2Runners;
  return suiteCells(input, only ? ['cold'] : ['cold', 'prewarmed']).filter((cell) => !only || only.includes(cell.runner.name));
}

async function measureWorkload(context: SuiteContext, workload: Workload): Promise<void> {
  const { signal, progress, results } = context;
  const plan = COLDSTART_PLANS[context.profile];
  const canned = cannedRequest(workload);
  const key = (cell: MatrixCell, phase: string): CellKey => ({ suite: 'coldstart', runner: cell.runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: workload.name, phase, metric: 'duration', unit: 'ns' });

  // First load (compile / build) is reported apart from cold start.
  for (const runner of context.runners) {
    for (const config of suiteConfigs(context, runner)) {
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
    for (const matrixCell of suiteCells(context)) {
      signal.throwIfAborted();
      const verified = await openVerified(matrixCell, { workload, poolSize: POOL_SIZE }, canned, signal);
      if (verified.status === 'failed') {
        progress(`${cellLabel(matrixCell)} ${workload.name} excluded: ${verified.reason}`);
        results.recordOutcomes([failedCellOutcome('coldstart', matrixCell, workload.name, verified.reason)]);
        continue;
      }
      open.push({ matrixCell, cell: verified.cell });
    }
    open.push(...(await openCliCalibration(context, workload)));

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
      const record = (phase: string, values: number[]): void => {
        if (values.length) results.record([...sampleRows(key(matrixCell, phase), values), ...summaryRows(key(matrixCell, phase), summarize(values))]);
      };
      const l1 = outcome.values.map((r) => r.invokeNs);
      // The CLI calibration's time includes removal (`--rm` waits for it): it is a per-request cost, never an L1.
      if (matrixCell.calibration) {
        record('request-cost', l1);
        progress(`${outcome.label} ${workload.name}: docker run --rm ${describeTiming(l1)}`);
        return;
      }
      record('L1', l1);
      record('L0', outcome.values.map((r) => r.instantiateNs).filter((v): v is number => v !== null && v !== undefined));
      const teardown = outcome.values.map((r) => r.teardownNs).filter((v): v is number => v !== null && v !== undefined);
      if (teardown.length === l1.length) {
        record('teardown', teardown);
        record('request-cost', l1.map((v, i) => v + (teardown[i] as number)));
      }
      progress(`${outcome.label} ${workload.name}: L1 ${describeTiming(l1)}${teardown.length ? `; teardown ${describeTiming(teardown)}` : ''}`);
    });

    for (const { matrixCell, cell } of open) {
      if (!cell.idleCost || matrixCell.lifecycle === 'cold' || matrixCell.lifecycle === 'reused') continue;
      signal.throwIfAborted();
      // Why several readings: one reading of a shared machine's memory is a point without an interval; the verdict needs their range.
      const readings: IdleCost[] = [];
      for (let i = 0; i < plan.idleReadings; i++) {
        signal.throwIfAborted();
        const idle = await cell.idleCost();
        if (idle.slots > 0) readings.push(idle);
      }
      if (!readings.length) continue;
      const idleKey = { ...key(matrixCell, 'idle'), unit: 'bytes', metric: 'rss-per-slot' };
      const perSlot = readings.map((idle) => idle.rssBytes / idle.slots);
      const cpuPerSlot = readings.map((idle) => idle.cpuCores / idle.slots);
      const rss = summarize(perSlot);
      results.record([valueRow(idleKey, rss.p50), { ...valueRow(idleKey, rss.min), stat: 'min' }, { ...valueRow(idleKey, rss.max), stat: 'max' }, { ...valueRow(idleKey, rss.count), stat: 'count' }]);
      results.record(valueRow({ ...idleKey, metric: 'cpu-per-slot', unit: 'cores' }, summarize(cpuPerSlot).p50));
      results.record(valueRow({ ...idleKey, metric: 'slots', unit: 'count' }, readings[0]!.slots));
      progress(`${cellLabel(matrixCell)} idle: ${(rss.p50 / 1024).toFixed(0)} KiB per slot (${readings.length} readings, ${(rss.min / 1024).toFixed(0)}-${(rss.max / 1024).toFixed(0)} KiB) and ${summarize(cpuPerSlot).p50.toFixed(4)} cores per slot (${readings[0]!.method})`);
    }
  } finally {
    await Promise.allSettled(open.map(({ cell }) => cell.close()));
  }

  await measureL2(context, workload, plan.l2, key);
  // Why a warm-up start: the first start fills the server's compile cache (the first load above starts with an empty one).
  await measureServers(context, workload, { serverStart: plan.serverStart, l2: plan.l2 });
}

/**
 * The Docker CLI calibration cells: for each measured container
 * configuration, a cold cell whose requests are `docker run --rm -i` of the
 * same image and flags, sampled interleaved with the others.
 */
async function openCliCalibration(context: SuiteContext, workload: Workload): Promise<{ matrixCell: MatrixCell; cell: Cell }[]> {
  const runner = context.runners.find((candidate) => candidate.name === CONTAINER_RUNNER) as ContainerRunner | undefined;
  if (!runner?.openCliCell) return [];
  const canned = cannedRequest(workload);
  const opened: { matrixCell: MatrixCell; cell: Cell }[] = [];
  for (const config of suiteConfigs(context, runner)) {
    const matrixCell: MatrixCell = { runner, config, lifecycle: 'cold', calibration: 'docker-cli' };
    try {
      const cell = await runner.openCliCell({ workload, config }, context.signal);
      const check = responseMismatch(canned.expected, (await cell.invoke(canned.request, context.signal)).response);
      if (check) throw new Error(`wrong answer: ${check}`);
      opened.push({ matrixCell: { ...matrixCell, config: cell.config }, cell });
    } catch (error) {
      if (context.signal.aborted) throw error;
      const reason = toBenchError(error).message;
      context.progress(`docker CLI calibration for container[${config}] not measured: ${reason}`);
      context.results.recordOutcomes([failedCellOutcome('coldstart', matrixCell, workload.name, `docker CLI calibration: ${reason}`)]);
    }
  }
  return opened;
}

/** L2: first byte over HTTP through the common front, for the cold and pre-warmed cells. */
async function measureL2(context: SuiteContext, workload: Workload, plan: SamplingPlan, key: (cell: MatrixCell, phase: string) => CellKey): Promise<void> {
  const { signal, progress, results } = context;
  const canned = cannedRequest(workload);
  const cells = l2CellsOf(context);
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
