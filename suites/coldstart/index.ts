/**
 * suites/coldstart: cold start of every available cell, layer by layer
 * (DESIGN.md section 3): first load, L0 instantiate, L1 invoke in-process,
 * L2 first byte over HTTP through the common front; plus the idle cost of
 * pre-warmed and warm slots. Decides the cold-start and pre-warm claims.
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
import { createAgent, timeFirstByte } from '../http-front/first-byte.ts';
import { routePath } from '../http-front/spec.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { sampleInterleaved, type SamplingPlan } from './sampling.ts';
import { decideColdstart, describeTiming } from './verdict.ts';

/** Sampling plans per profile: fast cells reach `samples`, slow cells stop at the budget. */
export const COLDSTART_PLANS = {
  // Why minSamples 10: a slow cell (a container, ~0.3 s a request) must still give the median an interval (six samples at least) on a busy machine.
  quick: { l1: { warmup: 20, samples: 1000, budgetMs: 4000, minSamples: 10 }, l2: { warmup: 10, samples: 300, budgetMs: 3000, minSamples: 10 }, idleReadings: 3 },
  full: { l1: { warmup: 100, samples: 5000, budgetMs: 40_000, minSamples: 30 }, l2: { warmup: 50, samples: 2000, budgetMs: 20_000, minSamples: 30 }, idleReadings: 7 },
} satisfies Record<string, { l1: SamplingPlan; l2: SamplingPlan; idleReadings: number }>;

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
  const cells = suiteCells(context, ['cold', 'prewarmed']);
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
          const seen = await timeFirstByte(`${base}${routePath(routeOf(cell), canned.request.path)}${query}`, agents[index]!, signal);
          const mismatch = responseMismatch(canned.expected, { status: seen.status, headers: {}, body: seen.body });
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
