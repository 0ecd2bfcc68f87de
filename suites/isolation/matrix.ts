/**
 * Runs the probe table over every runner x configuration: each probe case in
 * its own fresh cell, then a hello through a neighbour cell of the same
 * runner (the host must go on serving), then a look at the host's state;
 * the observation is interpreted by the probe table into one outcome row.
 */
import { nowNs } from '../../core/clock.ts';
import { toBenchError } from '../../core/errors.ts';
import type { Outcome } from '../../core/results.ts';
import { cannedRequest, loadWorkload, responseMismatch } from '../../fixtures/manifest.ts';
import { FRESH_LIFECYCLES, type Cell, type CellSpec, type Lifecycle, type Runner, type WorkloadRequest } from '../../runners/types.ts';
import { cellLabel, suiteConfigs } from '../cells.ts';
import type { Plant } from './plant.ts';
import { INFORMATIONAL_PROBES, parseAnswer, PROBE_DEADLINE_MS, PROBE_MEMORY_CAP_MIB, type Observation, type ProbeAnswer, type ProbeCase, type ProbeSpec } from './probes.ts';

/** Grace past a probe's deadline after which a request that neither answered nor failed counts as hanging the host. */
const HANG_GRACE_MS = 30_000;

/** A probe request: GET of the probe's path with its query. */
export function probeRequest(probe: string, query: string): WorkloadRequest {
  return { method: 'GET', path: `/${probe}`, query, headers: {}, body: new Uint8Array(0) };
}

/** The neighbour of a runner configuration: a hello cell that serves beside the probes. */
export class Neighbour {
  private cell: Cell | null = null;
  private readonly runner: Runner;
  private readonly config: string;
  readonly lifecycle: Lifecycle;

  constructor(runner: Runner, config: string) {
    this.runner = runner;
    this.config = config;
    // Why warm when available: a neighbour that is serving all along, as an app beside the probe would be.
    this.lifecycle = runner.lifecycles.includes('warm') ? 'warm' : 'cold';
  }

  /** Sends one hello; opens (or reopens) the cell first when needed. */
  async check(signal: AbortSignal): Promise<{ ok: true } | { ok: false; reason: string }> {
    const workload = loadWorkload('hello');
    const canned = cannedRequest(workload);
    try {
      this.cell ??= await this.runner.open({ workload, lifecycle: this.lifecycle, config: this.config }, signal);
      const result = await this.cell.invoke(canned.request, signal);
      const mismatch = responseMismatch(canned.expected, result.response);
      return mismatch ? { ok: false, reason: `wrong hello: ${mismatch}` } : { ok: true };
    } catch (error) {
      if (signal.aborted) throw error;
      await this.close();
      return { ok: false, reason: toBenchError(error).message };
    }
  }

  async close(): Promise<void> {
    const cell = this.cell;
    this.cell = null;
    await cell?.close().catch(() => undefined);
  }
}

/** What one invoke gave: an answer, or the error instead. */
interface Sent {
  answer: ProbeAnswer | null;
  status: number | null;
  bodyBytes: number;
  error: { kind: string; message: string } | null;
  elapsedMs: number;
}

async function send(cell: Cell, request: WorkloadRequest, deadlineMs: number, signal: AbortSignal): Promise<Sent> {
  const watchdog = AbortSignal.timeout(deadlineMs + HANG_GRACE_MS);
  const startNs = nowNs();
  try {
    const result = await cell.invoke(request, AbortSignal.any([signal, watchdog]));
    return { answer: parseAnswer(result.response.body), status: result.response.status, bodyBytes: result.response.body.length, error: null, elapsedMs: (nowNs() - startNs) / 1e6 };
  } catch (error) {
    if (signal.aborted) throw error;
    const elapsedMs = (nowNs() - startNs) / 1e6;
    if (watchdog.aborted) return { answer: null, status: null, bodyBytes: 0, error: { kind: 'internal', message: `neither an answer nor an error within ${deadlineMs + HANG_GRACE_MS} ms` }, elapsedMs };
    const benchError = toBenchError(error);
    return { answer: null, status: null, bodyBytes: 0, error: { kind: benchError.kind, message: benchError.message }, elapsedMs };
  }
}

/** One probe case on one cell of the matrix. */
export interface ProbeRun {
  runner: Runner;
  config: string;
  lifecycle: Lifecycle;
  spec: ProbeSpec;
  probeCase: ProbeCase;
}

/** Runs one case and returns its outcome row. */
export async function runProbeCase(run: ProbeRun, plant: Plant, neighbour: Neighbour, signal: AbortSignal): Promise<Outcome> {
  const { runner, config, lifecycle, spec, probeCase } = run;
  const facts = plant.facts;
  const grant = probeCase.grant(facts);
  const deadlineMs = spec.deadlineMs ?? PROBE_DEADLINE_MS;
  const row = { suite: 'isolation' as const, runner: runner.name, config, lifecycle, workload: spec.probe, subject: spec.probe, condition: probeCase.condition };
  const cellSpec: CellSpec = {
    workload: loadWorkload(spec.probe),
    lifecycle,
    config,
    deadlineMs,
    maxMemoryMib: PROBE_MEMORY_CAP_MIB,
    poolSize: 2,
    // Native processes run in the plant's working directory, so what a probe creates there is seen and removed.
    workDir: facts.workDir,
    ...(grant.env ? { env: grant.env } : {}),
    ...(grant.dirs ? { dirs: grant.dirs } : {}),
  };
  plant.reset();
  const connectionsBefore = plant.connections();
  let cell: Cell;
  try {
    cell = await runner.open(cellSpec, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    const benchError = toBenchError(error);
    const outcome = benchError.kind === 'unavailable' ? 'not-applicable' : 'host-affected';
    return { ...row, outcome, detail: `the cell did not open: ${benchError.message}` };
  }
  let sent: Sent | undefined;
  let control: Observation['control'] = null;
  try {
    const request = probeRequest(spec.probe, probeCase.query(facts));
    for (let i = 0; i < (spec.requests ?? 1); i++) sent = await send(cell, request, deadlineMs, signal);
    if (probeCase.control) {
      const controlSent = await send(cell, probeRequest(spec.probe, probeCase.control(facts)), deadlineMs, signal);
      control = controlSent.answer ?? { error: controlSent.error?.message ?? `status ${controlSent.status} without an answer` };
    }
  } finally {
    await cell.close().catch(() => undefined);
  }
  const last = sent as Sent;
  const observation: Observation = {
    runner: runner.name,
    lifecycle,
    ...last,
    control,
    neighbour: await neighbour.check(signal),
    host: { newConnections: plant.connections() - connectionsBefore, writtenFiles: plant.writtenFiles(), workDirFiles: plant.workDirFiles() },
  };
  const interpretation = spec.interpret(observation, facts);
  plant.reset();
  return { ...row, outcome: interpretation.outcome, detail: interpretation.detail };
}

/**
 * Every run of the matrix for the given runners, probe by probe so that
 * runners interleave; without variants, only each runner's representative
 * configuration in the fresh-instance lifecycles, and no informational probe.
 */
export function probeRuns(runners: readonly Runner[], probes: readonly ProbeSpec[], variants = true): ProbeRun[] {
  const runs: ProbeRun[] = [];
  for (const spec of probes) {
    // The informational probe decides nothing: measured with the variants.
    if (!variants && (INFORMATIONAL_PROBES as readonly string[]).includes(spec.probe)) continue;
    for (const probeCase of spec.cases) {
      for (const runner of runners) {
        for (const config of suiteConfigs({ variants }, runner)) {
          for (const lifecycle of spec.lifecycles ?? ['cold']) {
            if (!variants && !FRESH_LIFECYCLES.includes(lifecycle)) continue;
            if ((runner.lifecyclesOf?.(config) ?? runner.lifecycles).includes(lifecycle)) runs.push({ runner, config, lifecycle, spec, probeCase });
          }
        }
      }
    }
  }
  return runs;
}

/** A progress line for a finished run. */
export function describeRun(run: ProbeRun, outcome: Outcome): string {
  return `${run.spec.probe} ${run.probeCase.condition} on ${cellLabel({ runner: run.runner, config: run.config, lifecycle: run.lifecycle })}: ${outcome.outcome} (${outcome.detail.slice(0, 140)})`;
}
