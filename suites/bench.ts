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
import { ResultCollector, type ResultFile, type SuiteName } from '../core/results.ts';
import { loadWorkloads } from '../fixtures/manifest.ts';
import { resolveRunners } from '../runners/index.ts';
import { isServerRunner, type Runner } from '../runners/types.ts';
import { SUITES } from './index.ts';
import type { UnavailableRunner } from './types.ts';

/** What to run. Defaults live in the CLI's parser (cli/commands/bench.ts). */
export interface BenchOptions {
  suites: SuiteName[];
  runners: string[];
  workloads: string[];
  profile: Profile;
  argv: string[];
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
    tools: { clang: await toolVersion('clang'), cc: await toolVersion('cc'), 'wasmtime-cli': await toolVersion(findTool('wasmtime') ?? 'wasmtime'), spin: await toolVersion('spin') },
    artifacts,
  });

  const results = new ResultCollector();
  const ran = new Set<SuiteName>();
  for (const name of options.suites) {
    const startNs = nowNs();
    const suite = SUITES[name];
    if (signal.aborted) {
      results.suites.push({ suite: name, status: 'aborted', detail: 'interrupted before it started', durationMs: 0 });
      continue;
    }
    if (!suite) {
      results.suites.push({ suite: name, status: 'skipped', detail: 'not implemented yet', durationMs: 0 });
      progress(`suite ${name}: not implemented yet, its claims stay not-run`);
      continue;
    }
    progress(`suite ${name}: ${suite.description}`);
    try {
      await suite.run({ profile: options.profile, signal, progress: (m) => progress(`${name}: ${m}`), results, runners: cellRunners, servers, unavailable, workloads: options.workloads });
      ran.add(name);
      results.suites.push({ suite: name, status: 'ok', detail: '', durationMs: (nowNs() - startNs) / 1e6 });
    } catch (thrown) {
      const error = toBenchError(thrown);
      const status = signal.aborted ? 'aborted' : 'failed';
      results.suites.push({ suite: name, status, detail: error.message, durationMs: (nowNs() - startNs) / 1e6 });
      progress(`suite ${name} ${status}: ${error.message}`);
    }
  }
  environment.finishedAt = new Date().toISOString();
  const machine = environment.machine;
  return {
    schema: 1,
    environment,
    claims: completeLedger(results.claims, ran).map((claim) => ({ ...claim, machine })),
    measurements: results.measurements.map((row) => ({ ...row, machine })),
    outcomes: results.outcomes.map((row) => ({ ...row, machine })),
    suites: results.suites,
  };
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

/** The Docker engine version, when a container runner is available and reports it. */
async function dockerVersion(runners: Runner[]): Promise<string | null> {
  const container = runners.find((runner) => 'engineVersion' in runner) as (Runner & { engineVersion(): Promise<string | null> }) | undefined;
  return container ? container.engineVersion() : null;
}
