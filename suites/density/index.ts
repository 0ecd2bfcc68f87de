/**
 * suites/density: how many distinct apps one host keeps resident and serving.
 * Wasm: N distinct modules (hello stamped with N ids) in one host process, a
 * fresh instance per request; processes and containers: N long-running warm
 * workers or containers. Memory per app and the latency of requests spread
 * uniformly over the apps, for growing N, until the memory budget, the
 * latency SLO or the host's limits stop it. Server runners: the idle memory
 * and CPU of one server holding one app. Decides `density-thousands` and
 * `containers-30-per-host`.
 */
import path from 'node:path';
import { execa } from 'execa';
import { toBenchError } from '../../core/errors.ts';
import { sleep } from '../../core/clock.ts';
import { availableMemoryBytes, totalUsage } from '../../core/proc.ts';
import { summaryRows, valueRow, type CellKey } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, responseMismatch } from '../../fixtures/manifest.ts';
import { isMultiAppRunner, type Cell, type MultiAppRunner, type Runner } from '../../runners/types.ts';
import { failedServerOutcome, serverCells, serverLabel, startVerified, unavailableServerOutcomes } from '../servers.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { suiteConfigs } from '../cells.ts';
import { representativeConfig } from '../representatives.ts';
import { cellOpenMs, idleReadingMs, planSeconds, sumMs } from '../plan.ts';
import { serveUniformly, type AppsStepResult, type AppsStepSpec } from './apps-step.ts';
import { decideDensity, DENSITY_BUDGET_BYTES, DENSITY_SLO_P99_NS } from './verdict.ts';

/** Plans per profile. */
export const DENSITY_PLANS = {
  // Why 12 containers in --quick: three checkpoints (1, 8, 12) give the slope an interval; each container's stats take the engine a second.
  // serverIdleMs: the window over which an idle server runner's CPU is read.
  quick: { wasmApps: [10, 100, 1000, 2000], codeCapStepApps: null, variantMaxApps: 2000, maxWarm: { container: 12, process: 32 } as Record<string, number>, requests: 1000, maxLoadSeconds: 20, serverIdleMs: 1000 },
  // codeCapStepApps: a step added for an engine that caps compiled code per process, below the cap (V8 stops a process at 4095 MiB
  // of compiled Wasm code, about 50,000 served apps: runners/wasm/README.md), so its ramp reaches close to where it must stop.
  // Why variants stop at 10,000 apps: the long ramp is the representative's; a variant's shape shows by then.
  full: { wasmApps: [100, 1000, 10_000, 100_000], codeCapStepApps: 40_000, variantMaxApps: 10_000, maxWarm: { container: 64, process: 100 } as Record<string, number>, requests: 10_000, maxLoadSeconds: 420, serverIdleMs: 5000 },
} satisfies Record<string, { wasmApps: number[]; codeCapStepApps: number | null; variantMaxApps: number; maxWarm: Record<string, number>; requests: number; maxLoadSeconds: number; serverIdleMs: number }>;

/** The ramp of a many-apps runner configuration: the profile's steps, shorter for a variant configuration. */
function rampOf(plan: (typeof DENSITY_PLANS)[keyof typeof DENSITY_PLANS], runner: Runner, config: string): number[] {
  if (representativeConfig(runner) !== config) return plan.wasmApps.filter((apps) => apps <= plan.variantMaxApps);
  const capped = isMultiAppRunner(runner) && runner.codeCapBytes !== undefined && plan.codeCapStepApps !== null;
  return capped ? [...plan.wasmApps, plan.codeCapStepApps as number].sort((a, b) => a - b) : plan.wasmApps;
}

/** The script that runs one many-apps step in its own process. */
const APPS_STEP_PATH = path.join(import.meta.dirname, 'apps-step.ts');

/** Memory left untouched for the machine itself, whatever the budget. */
const RESERVE_BYTES = 2 * 1024 ** 3;

export const densitySuite: Suite = {
  name: 'density',
  description: 'distinct apps resident and serving on one host: memory per app and latency as N grows',
  plan(input) {
    const plan = DENSITY_PLANS[input.profile];
    const parts: string[] = [];
    let totalMs = 0;
    for (const runner of input.runners) {
      for (const config of suiteConfigs(input, runner)) {
        if (isMultiAppRunner(runner)) {
          // Each step: a fresh process, N apps compiled and served once (at most the load-time cap), then the requests.
          // A step whose load would pass the cap, or whose code would be far past the engine's code cap, is not attempted (measureWasm stops before it).
          const steps = rampOf(plan, runner, config).filter((apps) => apps * appLoadMs(runner.name) <= plan.maxLoadSeconds * 1000 && (runner.codeCapBytes === undefined || apps * PLANNED_CODE_PER_APP_BYTES <= 2 * runner.codeCapBytes));
          const stepsMs = sumMs(steps.map((apps) => apps * appLoadMs(runner.name) + STEP_PROCESS_MS + plan.requests * 0.5));
          totalMs += stepsMs;
          parts.push(`${runner.name}[${config}] ${planSeconds(stepsMs)}`);
        } else if (warmDensityRunner(runner)) {
          const max = plan.maxWarm[runner.name.startsWith('process') ? 'process' : 'container'] ?? 16;
          const checkpoints = [1, 8, 16, 32, 64, 128, 256, 512, max].filter((n, i, all) => n <= max && all.indexOf(n) === i).length;
          const warmMs = max * cellOpenMs(runner.name) + checkpoints * idleReadingMs(runner.name) + checkpoints * Math.min(plan.requests, max * 50) * WARM_REQUEST_MS;
          totalMs += warmMs;
          parts.push(`${runner.name}[${config}] up to ${max} ${planSeconds(warmMs)}`);
        }
      }
    }
    const servers = serverCells(input);
    if (servers.length) {
      const serversMs = sumMs(servers.map((cell) => cellOpenMs(cell.runner.name) + plan.serverIdleMs + idleReadingMs(cell.runner.name)));
      totalMs += serversMs;
      parts.push(`${servers.length} idle server(s) ${planSeconds(serversMs)}`);
    }
    return { plannedMs: totalMs, detail: parts.join(', ') || 'no runner that can be measured for density' };
  },
  async run(context) {
    for (const runner of context.runners) {
      for (const config of suiteConfigs(context, runner)) {
        context.signal.throwIfAborted();
        const multi = isMultiAppRunner(runner);
        const warm = !multi && warmDensityRunner(runner);
        if (!multi && !warm) continue;
        try {
          if (multi) await measureWasm(context, runner, config);
          else await measureWarm(context, runner, config);
        } catch (error) {
          if (context.signal.aborted) throw error;
          const reason = toBenchError(error).message;
          context.progress(`${runner.name}[${config}] density failed: ${reason}`);
          // Why a row: a failed step must show in the report and can never count for a verdict.
          context.results.recordOutcomes([{ suite: 'density', runner: runner.name, config, lifecycle: multi ? 'cold' : 'warm', workload: 'hello', subject: 'density-step', condition: 'ramp', outcome: 'failed', detail: reason }]);
        }
      }
    }
    await measureServerIdle(context);
    const failed = context.results.outcomes.filter((row) => row.suite === 'density' && row.outcome === 'failed').map((row) => ({ runner: row.runner, config: row.config, detail: row.detail }));
    for (const verdict of decideDensity(context.results.measurements, context.unavailable, failed)) context.results.decide(verdict);
  },
};

/**
 * Server runners: the resident memory and CPU of one idle server holding
 * one app (hello), after it answered every canned request; CPU over the
 * profile's idle window.
 */
async function measureServerIdle(context: SuiteContext): Promise<void> {
  const { signal, progress, results } = context;
  const workload = loadWorkload('hello');
  const windowMs = DENSITY_PLANS[context.profile].serverIdleMs;
  results.recordOutcomes(unavailableServerOutcomes('density', context.unavailable, workload.name));
  for (const cell of serverCells(context)) {
    signal.throwIfAborted();
    const verified = await startVerified(cell, workload, signal);
    if (verified.status === 'failed') {
      progress(`${serverLabel(cell)} excluded: ${verified.reason}`);
      results.recordOutcomes([failedServerOutcome('density', cell, workload.name, verified.reason)]);
      continue;
    }
    const server = verified.server;
    try {
      const before = await totalUsage(server.pids());
      await sleep(windowMs, signal);
      const after = await totalUsage(server.pids());
      const resident = await server.resident();
      const idleKey = { suite: 'density' as const, runner: cell.runner.name, config: cell.config, lifecycle: cell.runner.serverLifecycle, workload: workload.name, phase: 'idle', apps: 1 };
      results.record([
        valueRow({ ...idleKey, metric: 'server-rss', unit: 'bytes' }, resident.bytes),
        valueRow({ ...idleKey, metric: 'server-cpu', unit: 'cores' }, (after.cpuNs - before.cpuNs) / (windowMs * 1e6)),
      ]);
      progress(`${serverLabel(cell)} idle with one app: ${(resident.bytes / 1024 ** 2).toFixed(1)} MiB resident (${resident.method}), ${((after.cpuNs - before.cpuNs) / (windowMs * 1e6)).toFixed(4)} cores`);
    } finally {
      await server.close();
    }
  }
}

/** Whether a runner is measured with long-running instances (processes and containers). */
function warmDensityRunner(runner: Runner): boolean {
  return runner.lifecycles.includes('warm') && (runner.name === 'container' || runner.name.startsWith('process'));
}

/** One request to a long-running instance, ms (planning estimate). */
const WARM_REQUEST_MS = 0.3;

/** Starting the process of one many-apps step, ms (planning estimate). */
const STEP_PROCESS_MS = 1000;

/**
 * Loading one distinct app and serving it once, ms (planning estimate, from
 * quick runs on a 2-core machine: V8 compiles a small module in under a
 * millisecond and its first request compiles the rest, about 3 ms in all;
 * Wasmtime's Python embedding compiles each with Cranelift in about 60 ms).
 */
/** Memory serving adds per app where the engine caps compiled code, bytes (planning estimate: about 100 KiB on V8, runners/wasm/README.md). */
const PLANNED_CODE_PER_APP_BYTES = 100 * 1024;

function appLoadMs(runner: string): number {
  if (runner === 'wasm') return 3;
  if (runner === 'wasm-wasmtime') return 65;
  return 10;
}

function key(runner: Runner, config: string, lifecycle: string, apps: number, phase: string, metric: string, unit: string): CellKey {
  return { suite: 'density', runner: runner.name, config, lifecycle, workload: 'hello', phase, metric, unit, apps };
}

/** Wasm: N distinct modules in one cell, each request to a fresh instance of a uniformly chosen app. */
async function measureWasm(context: SuiteContext, runner: MultiAppRunner, config: string): Promise<void> {
  const { signal, progress, results } = context;
  const plan = DENSITY_PLANS[context.profile];
  const request = cannedRequest(loadWorkload('hello')).request;
  let perAppBytes = 0;
  let loadPerAppNs = 0;
  let codePerAppBytes = 0;
  for (const count of rampOf(plan, runner, config)) {
    signal.throwIfAborted();
    const available = await availableMemoryBytes();
    // Why go past the budget when the host has the memory: where it breaks is part of the answer; steps over the budget are recorded but never count for the claim.
    if (perAppBytes * count > available - RESERVE_BYTES) {
      progress(`${runner.name}[${config}] stops before ${count} apps: about ${((perAppBytes * count) / 1024 ** 2).toFixed(0)} MiB needed, more than this host has available`);
      results.record(valueRow(key(runner, config, 'cold', count, 'capacity', 'stopped-by-budget', 'apps'), count));
      break;
    }
    if (perAppBytes * count > DENSITY_BUDGET_BYTES) progress(`${runner.name}[${config}] ${count} apps will need about ${((perAppBytes * count) / 1024 ** 2).toFixed(0)} MiB: over the ${DENSITY_BUDGET_BYTES / 1024 ** 3} GiB budget, measured as host capacity only`);
    // Why stop before a step far past an engine's code cap: the engine would stop its process (V8 at 4095 MiB of compiled Wasm
    // code) long before the step completes. Why only far past it (twice the cap): the estimate, the memory serving added per app,
    // is above the code the engine commits, so a step near the cap is attempted and either completes or shows where it stops.
    if (runner.codeCapBytes !== undefined && codePerAppBytes * count > 2 * runner.codeCapBytes) {
      progress(`${runner.name}[${config}] stops before ${count} apps: at ${(codePerAppBytes / 1024).toFixed(0)} KiB added per served app they would need about ${((codePerAppBytes * count) / 1024 ** 2).toFixed(0)} MiB of compiled code, more than twice the engine's cap of ${(runner.codeCapBytes / 1024 ** 2).toFixed(0)} MiB per process`);
      results.record(valueRow(key(runner, config, 'cold', count, 'capacity', 'stopped-by-code-cap', 'apps'), count));
      break;
    }
    // Why a load-time cap: a slow compiler must not turn a quick profile into an hour; the stop is recorded.
    if (loadPerAppNs * count > plan.maxLoadSeconds * 1e9) {
      progress(`${runner.name}[${config}] stops before ${count} apps: loading them would take about ${((loadPerAppNs * count) / 1e9).toFixed(0)} s, over this profile's ${plan.maxLoadSeconds} s`);
      results.record(valueRow(key(runner, config, 'cold', count, 'capacity', 'stopped-by-load-time', 'apps'), count));
      break;
    }
    progress(`${runner.name}[${config}] loading ${count} distinct apps (in a fresh process)`);
    let step: AppsStepResult;
    try {
      step = await runAppsStep({ runner: runner.name, config, count, requests: plan.requests }, signal);
    } catch (error) {
      if (!(error instanceof CodeCapReached)) throw error;
      progress(`${runner.name}[${config}] stopped at ${count} apps: ${error.message}`);
      results.record([
        valueRow(key(runner, config, 'cold', count, 'capacity', 'stopped-by-code-cap', 'apps'), count),
        valueRow(key(runner, config, 'cold', count, 'capacity', 'served-before-code-cap', 'apps'), error.servedApps),
      ]);
      break;
    }
    loadPerAppNs = step.loadNs / count;
    perAppBytes = step.residentBytes / count;
    codePerAppBytes = (step.residentBytes - step.residentLoadedBytes) / count;
    const summary = step.latency;
    results.record([
      valueRow(key(runner, config, 'cold', count, 'resident', 'rss-per-app', 'bytes'), step.residentBytes / count),
      valueRow(key(runner, config, 'cold', count, 'resident', 'rss-total', 'bytes'), step.residentBytes),
      // What an app's memory is made of: what its module holds once loaded (its bytes among it), and what serving added (code compiled at first call).
      valueRow(key(runner, config, 'cold', count, 'resident', 'rss-per-app-loaded', 'bytes'), step.residentLoadedBytes / count),
      valueRow(key(runner, config, 'cold', count, 'resident', 'rss-per-app-added-by-serving', 'bytes'), (step.residentBytes - step.residentLoadedBytes) / count),
      valueRow(key(runner, config, 'cold', count, 'resident', 'module-bytes-per-app', 'bytes'), step.moduleBytes / count),
      valueRow(key(runner, config, 'cold', count, 'resident', 'host-memory-per-app', 'bytes'), step.availableDropBytes / count),
      valueRow(key(runner, config, 'cold', count, 'load', 'load-time-per-app', 'ns'), step.loadNs / count),
      valueRow(key(runner, config, 'cold', count, 'load', 'first-serve-per-app', 'ns'), step.firstServeNs / count),
      ...summaryRows(key(runner, config, 'cold', count, 'serve', 'latency', 'ns'), summary),
    ]);
    progress(`${runner.name}[${config}] ${count} apps: ${(step.residentBytes / count / 1024).toFixed(1)} KiB per app (${step.residentMethod}; ${(step.residentLoadedBytes / count / 1024).toFixed(1)} KiB once loaded, of which ${(step.moduleBytes / count / 1024).toFixed(1)} KiB module bytes, and ${((step.residentBytes - step.residentLoadedBytes) / count / 1024).toFixed(1)} KiB added by serving), load ${(step.loadNs / count / 1e6).toFixed(2)} ms per app, first request ${(step.firstServeNs / count / 1e3).toFixed(0)} us per app, latency p50 ${(summary.p50 / 1e3).toFixed(0)} us p99 ${(summary.p99 / 1e3).toFixed(0)} us (n=${summary.count})`);
    results.record(valueRow(key(runner, config, 'cold', count, 'capacity', 'apps-resident', 'apps'), count));
    if (summary.p99 > DENSITY_SLO_P99_NS) {
      progress(`${runner.name}[${config}] breaks the latency SLO at ${count} apps`);
      break;
    }
  }
}

/** A many-apps step whose engine stopped its process at the engine's cap on compiled code, with how many apps had served by then. */
class CodeCapReached extends Error {
  readonly servedApps: number;
  constructor(fatal: string, servedApps: number) {
    super(`the engine stopped the host process at its cap on compiled code ("${fatal}") after about ${servedApps} apps had served their first request`);
    this.servedApps = servedApps;
  }
}

/** The last `{"served":N}` progress line of a step's stdout, 0 without one. */
function servedBefore(stdout: string): number {
  let served = 0;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"served":')) continue;
    served = (JSON.parse(line) as { served: number }).served;
  }
  return served;
}

/** Runs one many-apps step in a fresh process (apps-step.ts) and returns what it measured. */
async function runAppsStep(spec: AppsStepSpec, signal: AbortSignal): Promise<AppsStepResult> {
  const result = await execa(process.execPath, ['--expose-gc', APPS_STEP_PATH, JSON.stringify(spec)], { reject: false, cancelSignal: signal, stderr: ['pipe', 'inherit'] });
  signal.throwIfAborted();
  const line = String(result.stdout).trim().split('\n').pop() ?? '';
  let parsed: (AppsStepResult & { error?: undefined }) | { error: string };
  try {
    parsed = JSON.parse(line) as typeof parsed;
  } catch {
    // A V8 that gives up (a heap or code-space limit) says why in one FATAL ERROR line: that is the step's reason.
    const fatal = /FATAL ERROR: (.*)/.exec(String(result.stderr))?.[1]?.trim();
    if (fatal && /wasm committed code space/i.test(fatal)) throw new CodeCapReached(fatal, servedBefore(String(result.stdout)));
    throw new Error(fatal ? `the density step's V8 stopped: ${fatal}` : `the density step exited with code ${result.exitCode} and no result`);
  }
  if (parsed.error !== undefined) throw new Error(parsed.error);
  return parsed;
}

/** Processes and containers: warm instances opened one by one; memory from the host's available memory. */
async function measureWarm(context: SuiteContext, runner: Runner, config: string): Promise<void> {
  const { signal, progress, results } = context;
  const plan = DENSITY_PLANS[context.profile];
  const max = plan.maxWarm[runner.name.startsWith('process') ? 'process' : 'container'] ?? 16;
  const workload = loadWorkload('hello');
  const canned = cannedRequest(workload);
  const checkpoints = new Set([1, 8, 16, 32, 64, 128, 256, 512, max]);
  const cells: Cell[] = [];
  const baseline = await availableMemoryBytes();
  let stopReason = `reached the profile's maximum of ${max}`;
  try {
    while (cells.length < max) {
      signal.throwIfAborted();
      const available = await availableMemoryBytes();
      if (baseline - available > DENSITY_BUDGET_BYTES || available < RESERVE_BYTES) {
        stopReason = `memory budget of ${(DENSITY_BUDGET_BYTES / 1024 ** 3).toFixed(0)} GiB reached`;
        break;
      }
      try {
        cells.push(await runner.open({ workload, lifecycle: 'warm', config }, signal));
      } catch (error) {
        if (signal.aborted) throw error;
        stopReason = `the host refused instance ${cells.length + 1}: ${toBenchError(error).message}`;
        break;
      }
      if (!checkpoints.has(cells.length)) continue;
      const usedBytes = baseline - (await availableMemoryBytes());
      const resident = await sampledResidentBytes(cells);
      const latencies = await serveUniformly(cells.length, Math.min(plan.requests, cells.length * 50), async (index) => {
        const result = await cells[index]!.invoke(canned.request, signal);
        const mismatch = responseMismatch(canned.expected, result.response);
        if (mismatch) throw new Error(`instance ${index} answered wrongly: ${mismatch}`);
      });
      const summary = summarize(latencies);
      const n = cells.length;
      results.record([
        valueRow(key(runner, config, 'warm', n, 'resident', 'rss-per-app', 'bytes'), resident.perAppBytes),
        valueRow(key(runner, config, 'warm', n, 'resident', 'host-memory-per-app', 'bytes'), usedBytes / n),
        valueRow(key(runner, config, 'warm', n, 'resident', 'rss-total', 'bytes'), resident.perAppBytes * n),
        valueRow(key(runner, config, 'warm', n, 'capacity', 'apps-resident', 'apps'), n),
        ...summaryRows(key(runner, config, 'warm', n, 'serve', 'latency', 'ns'), summary),
      ]);
      progress(`${runner.name}[${config}] ${n} warm instances: ${(resident.perAppBytes / 1024 ** 2).toFixed(1)} MiB resident each (${resident.method}; host available memory dropped ${(usedBytes / n / 1024 ** 2).toFixed(1)} MiB each), latency p50 ${(summary.p50 / 1e3).toFixed(0)} us p99 ${(summary.p99 / 1e3).toFixed(0)} us`);
      if (summary.p99 > DENSITY_SLO_P99_NS) {
        stopReason = `latency SLO broken at ${n}`;
        break;
      }
    }
  } finally {
    progress(`${runner.name}[${config}] stopped at ${cells.length} instances: ${stopReason}; closing them`);
    await Promise.allSettled(cells.map((cell) => cell.close()));
  }
}

/** Instances whose resident memory is read at each step: reading a container's takes the engine about a second. */
const RESIDENT_SAMPLE = 8;

/**
 * Resident memory per instance from the cells' own idle-cost figures (process
 * RSS; container cgroup memory plus its runtime shim), averaged over the most
 * recent instances. Why not the host's available memory alone: on a shared
 * machine it moves with every neighbour; it is recorded beside as a check.
 */
async function sampledResidentBytes(cells: readonly Cell[]): Promise<{ perAppBytes: number; method: string }> {
  const sample = cells.slice(-RESIDENT_SAMPLE).filter((cell) => cell.idleCost);
  let bytes = 0;
  let slots = 0;
  let method = 'no idle-cost figure';
  // Why in parallel: a container's figure takes the engine about a second to give, and the instances are independent.
  for (const cost of await Promise.all(sample.map((cell) => cell.idleCost!()))) {
    bytes += cost.rssBytes;
    slots += cost.slots;
    method = cost.method.split(';')[0] ?? cost.method;
  }
  return { perAppBytes: slots ? bytes / slots : 0, method: `mean of the last ${sample.length}: ${method}` };
}

