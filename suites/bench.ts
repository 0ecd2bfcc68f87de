/**
 * The programmatic bench: runs the selected suites in order against the
 * selected runners and returns the result file. Rows are collected as they
 * are produced, so an abort or a failing suite keeps everything gathered.
 */
import { collectEnvironment, toolVersion, type Profile } from '../core/environment.ts';
import { completeLedger } from '../core/claims.ts';
import { nowNs } from '../core/clock.ts';
import { findTool } from '../core/tools.ts';
import { toBenchError } from '../core/errors.ts';
import { RESULT_SCHEMA, ResultCollector, type ResultFile, type SuiteName } from '../core/results.ts';
import { loadWorkloads } from '../fixtures/manifest.ts';
import { resolveRunners } from '../runners/index.ts';
import { isServerRunner, type Runner } from '../runners/types.ts';
import { SUITES } from './index.ts';
import type { DeployedTarget } from './targets/targets-file.ts';
import { findLocust, type LocustLayout } from './throughput/locust/engine.ts';
import type { SuitePlan, UnavailableRunner } from './types.ts';

/** What to run. Defaults live in the CLI's parser (cli/commands/bench.ts). */
export interface BenchOptions {
  suites: SuiteName[];
  runners: string[];
  workloads: string[];
  profile: Profile;
  /** Measure the variants too (every configuration and lifecycle), not only the representatives. */
  variants: boolean;
  argv: string[];
  /** Deployed endpoints driven beside the local cells. @default none */
  targets?: DeployedTarget[];
  /** Locust beside autocannon in the throughput suite, and where its workers run. @default none */
  locust?: LocustLayout | null;
}

/** Runs the bench; resolves with the results even when aborted or when a suite failed. */
export async function runBench(options: BenchOptions, io: { signal: AbortSignal; progress: (message: string) => void }): Promise<ResultFile> {
  const { signal, progress } = io;
  const runners = resolveRunners(options.runners);
  progress(`checking ${runners.length} runner(s): ${options.runners.join(', ')}`);
  const { available, unavailable } = await checkRunners(runners, signal);
  for (const entry of unavailable) progress(`runner ${entry.runner} unavailable: ${entry.reason}`);

  // Server runners answer HTTP themselves: the suites measure them apart, server to server.
  const servers = available.filter(isServerRunner);
  const cellRunners = available.filter((runner) => !isServerRunner(runner));

  const workloads = loadWorkloads();
  const artifacts = Object.fromEntries(workloads.map((w) => [`${w.name}.wasm`, w.sha256]));
  const environment = await collectEnvironment({
    profile: options.profile,
    argv: options.argv,
    docker: await dockerVersion(available),
    tools: { clang: await toolVersion('clang'), cc: await toolVersion('cc'), 'musl-gcc': await toolVersion('musl-gcc'), 'wasmtime-cli': await toolVersion(findTool('wasmtime') ?? 'wasmtime'), spin: await toolVersion('spin'), ...(options.locust ? { locust: await locustVersion(signal) } : {}) },
    artifacts,
  });

  const results = new ResultCollector();
  const ran = new Set<SuiteName>();
  const planInput = { profile: options.profile, runners: cellRunners, servers, workloads: options.workloads, variants: options.variants, targets: options.targets, locust: options.locust };
  const plans = new Map(options.suites.map((name) => [name, SUITES[name].plan(planInput)]));
  const plannedTotalMs = [...plans.values()].reduce((sum, plan) => sum + plan.plannedMs, 0);
  progress(`plan (${options.profile}${options.variants ? ', variants' : ''}): ${options.suites.map((name) => `${name} ~${seconds(plans.get(name)!.plannedMs)}`).join(', ')}; about ${minutes(plannedTotalMs)} in all`);
  for (const name of options.suites) progress(`  ${name}: ${plans.get(name)!.detail}`);
  const runStartNs = nowNs();
  for (const [index, name] of options.suites.entries()) {
    const startNs = nowNs();
    const suite = SUITES[name];
    const plannedMs = plans.get(name)!.plannedMs;
    // Time left: what this suite's plan has not used yet, plus the plans of the suites after it.
    const laterMs = options.suites.slice(index + 1).reduce((sum, later) => sum + plans.get(later)!.plannedMs, 0);
    const left = (): string => minutes(Math.max(0, plannedMs - (nowNs() - startNs) / 1e6) + laterMs);
    if (signal.aborted) {
      results.suites.push({ suite: name, status: 'aborted', detail: 'interrupted before it started', durationMs: 0, plannedMs });
      continue;
    }
    progress(`suite ${name} (${index + 1}/${options.suites.length}, planned ~${seconds(plannedMs)}): ${suite.description}`);
    try {
      await suite.run({ profile: options.profile, signal, progress: (m) => progress(`${name} (~${left()} left): ${m}`), results, runners: cellRunners, servers, unavailable, workloads: options.workloads, variants: options.variants, targets: options.targets, locust: options.locust });
      ran.add(name);
      results.suites.push({ suite: name, status: 'ok', detail: '', durationMs: (nowNs() - startNs) / 1e6, plannedMs });
    } catch (thrown) {
      const error = toBenchError(thrown);
      const status = signal.aborted ? 'aborted' : 'failed';
      results.suites.push({ suite: name, status, detail: error.message, durationMs: (nowNs() - startNs) / 1e6, plannedMs });
      progress(`suite ${name} ${status}: ${error.message}`);
    }
    progress(`suite ${name} took ${seconds((nowNs() - startNs) / 1e6)} (planned ~${seconds(plannedMs)}); about ${minutes(laterMs)} left`);
  }
  progress(`time: ${results.suites.map((entry) => `${entry.suite} ${seconds(entry.durationMs)}${entry.plannedMs !== undefined ? ` (plan ${seconds(entry.plannedMs)})` : ''}`).join(', ')}; ${minutes((nowNs() - runStartNs) / 1e6)} in all (plan ${minutes(plannedTotalMs)})`);
  environment.finishedAt = new Date().toISOString();
  const machine = environment.machine;
  return {
    schema: RESULT_SCHEMA,
    environment,
    claims: completeLedger(results.claims, ran).map((claim) => ({ ...claim, machine })),
    measurements: results.measurements.map((row) => ({ ...row, machine })),
    outcomes: results.outcomes.map((row) => ({ ...row, machine })),
    suites: results.suites,
  };
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
const minutes = (ms: number): string => (ms >= 90_000 ? `${(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`);

/** The planned duration of a run, per suite and in all, computed from the plan (nothing runs). */
export function planBench(options: Pick<BenchOptions, 'suites' | 'profile' | 'variants' | 'workloads'>, runners: readonly Runner[]): { suite: SuiteName; plan: SuitePlan }[] {
  const servers = runners.filter(isServerRunner);
  const cellRunners = runners.filter((runner) => !isServerRunner(runner));
  return options.suites.map((suite) => ({ suite, plan: SUITES[suite].plan({ profile: options.profile, runners: cellRunners, servers, workloads: options.workloads, variants: options.variants }) }));
}

/** Asks every runner whether it can run here; none may hang (each bounds its own check). */
async function checkRunners(runners: Runner[], signal: AbortSignal): Promise<{ available: Runner[]; unavailable: UnavailableRunner[] }> {
  const available: Runner[] = [];
  const unavailable: UnavailableRunner[] = [];
  for (const runner of runners) {
    const status = await runner.availability(signal);
    if (status.status === 'available') available.push(runner);
    else unavailable.push({ runner: runner.name, reason: status.reason, ...(isServerRunner(runner) ? { server: true } : {}) });
  }
  return { available, unavailable };
}

/** The installed Locust version, null when it cannot run here. */
async function locustVersion(signal: AbortSignal): Promise<string | null> {
  const found = await findLocust({ signal });
  return found.status === 'available' ? found.install.version : null;
}

/** The Docker engine version, when a container runner is available and reports it. */
async function dockerVersion(runners: Runner[]): Promise<string | null> {
  const container = runners.find((runner) => 'engineVersion' in runner) as (Runner & { engineVersion(): Promise<string | null> }) | undefined;
  return container ? container.engineVersion() : null;
}
