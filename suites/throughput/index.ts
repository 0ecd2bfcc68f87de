/**
 * suites/throughput: requests/s and latency of every cell through the one
 * common HTTP front, beside the front's own no-op ceiling and the load
 * generator's ceiling measured in the same run. Decides `throughput-100k`.
 * autocannon always loads every target (closed and open loop: its rows carry
 * the latencies); with `--load locust` Locust's master and workers load each
 * target too, right after autocannon, ceilings included, so each engine's
 * cells sit beside that engine's own ceilings. Deployed targets
 * (`--targets`) are loaded like cells, without a front of ours, and so is
 * every server runner (`wasmtime serve`, `spin up`, the native server):
 * server to server, with the same load generator and the same check of
 * every response.
 */
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { sleep } from '../../core/clock.ts';
import { toBenchError } from '../../core/errors.ts';
import { totalUsage } from '../../core/proc.ts';
import { valueRow, type CellKey, type Measurement } from '../../core/results.ts';
import { percentile } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, sha256Hex, type CannedRequest } from '../../fixtures/manifest.ts';
import { helloVariant } from '../../fixtures/variants.ts';
import { isMultiAppRunner, type Runner } from '../../runners/types.ts';
import { cellLabel, suiteCells, type MatrixCell } from '../cells.ts';
import { isRepresentative, representativeConfig } from '../representatives.ts';
import { startFront, type FrontHandle } from '../http-front/front.ts';
import { httpUrl, LOOPBACK } from '../../core/net.ts';
import { failedServerOutcome, serverCells, serverLabel, startVerified, unavailableServerOutcomes } from '../servers.ts';
import { requestUrl } from '../../runners/http-server/http-client.ts';
import { NOOP_BODY, NOOP_PATH, routePath, SPIN_PATH, type FrontRoute } from '../http-front/spec.ts';
import { FRONT_START_MS, LOCUST_RUN_OVERHEAD_MS, planSeconds } from '../plan.ts';
import { verifyTarget } from '../targets/ask.ts';
import { targetKey, targetOutcome, targetUrl } from '../targets/targets-file.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { findLocust, runLocust, type LocustInstall, type LocustLayout, type LocustRun } from './locust/engine.ts';
import { plannedGet, plannedRequest, type PlannedRequest } from './locust/plan.ts';
import { runLoad, type LoadResult } from './load.ts';
import { CLOSED_LOOP, LOCUST_CLOSED_LOOP, OPEN_LOOP } from './phases.ts';
import { decideThroughput } from './verdict.ts';

/** Profile settings of the throughput suite. */
export interface ThroughputSettings {
  /** Seconds of each closed-loop and open-loop run. */
  durationSeconds: number;
  /** Interleaved rounds over all targets; the median round is reported. */
  rounds: number;
  /** autocannon's connections; Locust's users per worker. */
  connections: number;
  /** Open-loop rate as a fraction of the target's closed-loop rate. */
  openLoopFraction: number;
  /** Sizes of the many-apps mixes: distinct apps served through one route, requests spread over all of them. */
  mixApps: number[];
  /** Runners whose mixes are measured (all multi-app runners when absent). */
  mixRunners?: string[];
  /** Calibration: the no-op front's `/spin` route at these microseconds of CPU per request. */
  spinMicros: number[];
  /** Runners (and harness rows) measured open-loop too; all when null. */
  openLoopRunners: string[] | null;
}

/** Settings per profile. */
export const THROUGHPUT_SETTINGS = {
  // Why 3 rounds even in --quick: one round is noise, not a ceiling (a cell once measured 120% of the no-op front in a single round).
  // Why open loop only for the no-op route, the reference runtime and Spin's engine serving HTTP in --quick: latency at a fixed rate is
  // evidence beside the claim, not the claim; --full measures it for every runner's representative and every server.
  quick: { durationSeconds: 1.5, rounds: 3, connections: 16, openLoopFraction: 0.5, mixApps: [1000], mixRunners: ['wasm'], spinMicros: [], openLoopRunners: ['front-noop', 'wasm', 'wasm-wasmtime-serve', 'wasm-spin'] },
  full: { durationSeconds: 3, rounds: 3, connections: 32, openLoopFraction: 0.5, mixApps: [1, 100, 1000, 10_000], spinMicros: [5, 20], openLoopRunners: null },
} satisfies Record<string, ThroughputSettings>;

/** Pause between load runs, ms, so that one run's connections are closed before the next starts. */
const RUN_GAP_MS = 200;

/** The workload every cell serves under load. */
const WORKLOAD = 'hello';

/** How long a Locust master waits for its workers; remote ones reconnect between runs. */
const LOCUST_WORKERS_WAIT_SECONDS = 120;

/** Something to put load on: a URL with its expected body and row identity. */
interface Target {
  label: string;
  key: Omit<CellKey, 'phase' | 'metric' | 'unit'>;
  url: string;
  expectBody: string;
  /** Many-apps mixes: the paths cycled through, each with its app's body. */
  requests?: { path: string; expectBody: string }[];
  /** The same requests for Locust, each with its expected status and body digest. */
  plan: PlannedRequest[];
  /** Processes whose CPU and RSS are sampled during load (none for a deployed target). */
  pids: number[];
  /** Whose CPU and RSS those are: the common front's (metrics `front-*`) or a server runner's own (`server-*`). */
  usage: 'front' | 'server';
}

/** Locust for this run, once found; `active` turns false when its workers stop coming. */
interface LocustEngine {
  install: LocustInstall;
  layout: LocustLayout;
  active: boolean;
}

export const throughputSuite: Suite = {
  name: 'throughput',
  description: 'requests/s and latency through one HTTP front, with the harness ceilings beside them',
  plan(input) {
    const settings: ThroughputSettings = THROUGHPUT_SETTINGS[input.profile];
    let targets = 2 + settings.spinMicros.length;
    let openLoop = settings.openLoopRunners ? settings.openLoopRunners.filter((name) => name.startsWith('front-')).length : targets;
    let fronts = 1;
    for (const runner of input.runners) {
      const cells = throughputCells(runner, input.variants).length;
      const mixes = isMultiAppRunner(runner) && (!settings.mixRunners || settings.mixRunners.includes(runner.name)) ? settings.mixApps.length : 0;
      if (!cells && !mixes) continue;
      fronts++;
      targets += cells + mixes;
      if (!settings.openLoopRunners || settings.openLoopRunners.includes(runner.name)) openLoop += 1;
    }
    const deployed = (input.targets ?? []).filter((target) => target.workloads.includes(WORKLOAD)).length;
    targets += deployed;
    if (!settings.openLoopRunners) openLoop += deployed;
    for (const cell of serverCells(input)) {
      targets++;
      if (!settings.openLoopRunners || settings.openLoopRunners.includes(cell.runner.name)) openLoop += 1;
    }
    // Each run costs its duration plus starting the load generator and reading the processes' usage around it (about 0.5 s on 2 cores) and the gap.
    const runMs = settings.durationSeconds * 1000 + 500 + RUN_GAP_MS;
    const closedMs = settings.rounds * targets * runMs;
    const openMs = openLoop * runMs;
    // Locust: one master and its workers per target and round, started and stopped each time.
    const locustMs = input.locust ? settings.rounds * targets * (settings.durationSeconds * 1000 + LOCUST_RUN_OVERHEAD_MS) : 0;
    const locustText = input.locust ? `, Locust ${settings.rounds * targets} runs (${planSeconds(locustMs)})` : '';
    // The runners' fronts start together (after the no-op front): about two fronts' time on 2 cores.
    return { plannedMs: closedMs + openMs + locustMs + Math.min(fronts, 3) * FRONT_START_MS, detail: `${targets} targets x ${settings.rounds} rounds x ${settings.durationSeconds} s closed loop (${planSeconds(closedMs)}), ${openLoop} open loop (${planSeconds(openMs)})${locustText}, ${fronts} fronts to start` };
  },
  run: (context) => runThroughput(context, THROUGHPUT_SETTINGS[context.profile]),
};

/** The throughput suite with the given settings (the suite passes its profile's). */
export async function runThroughput(context: SuiteContext, settings: ThroughputSettings): Promise<void> {
  const { signal, progress, results } = context;
  const workload = loadWorkload(WORKLOAD);
  const canned = cannedRequest(workload);
  const expectBody = Buffer.from(canned.expected.body ?? '').toString('utf8');
  const cores = os.availableParallelism();
  // Load workers on other machines must reach every server of ours: they listen where the Locust master does.
  const host = context.locust?.master?.host ?? LOOPBACK;
  const fronts: FrontHandle[] = [];
  const stopServer: (() => Promise<void>)[] = [];
  try {
    const locust = context.locust ? await openLocust(context, context.locust) : null;
    const targets: Target[] = [];
    progress('starting the simplest server (load generator ceiling)');
    const simplest = await startSimplestServer(signal, host);
    stopServer.push(simplest.close);
    targets.push(getTarget('loadgen-ceiling', key('loadgen-ceiling', 'simplest-server'), `${simplest.url}/`, 'ok\n', [simplest.pid]));

    progress(`starting the no-op front (${cores} workers)`);
    const noopFront = await startFront({ routes: [], workers: cores, host }, { signal });
    fronts.push(noopFront);
    targets.push(getTarget('front-noop', key('front-noop', `workers=${cores}`), `${noopFront.url}${NOOP_PATH}`, NOOP_BODY, noopFront.pids));
    for (const us of settings.spinMicros) {
      targets.push(getTarget(`front-spin ${us} us`, key('front-spin', `spin=${us}us`), `${noopFront.url}${SPIN_PATH}?us=${us}`, NOOP_BODY, noopFront.pids));
    }

    // Why the fronts start together: each is its own processes, and starting them one after the other is idle waiting.
    const planned = context.runners.map((runner) => {
      const cells = throughputCells(runner, context.variants);
      const routes: FrontRoute[] = cells.map((cell) => ({ route: routeName(cell), runner: runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD, poolSize: 8 }));
      const mixes = isMultiAppRunner(runner) && (!settings.mixRunners || settings.mixRunners.includes(runner.name))
        ? [representativeConfig(runner)].flatMap((config) => settings.mixApps.map((apps) => ({ config, apps, route: `${runner.name}:${config}:apps=${apps}` })))
        : [];
      routes.push(...mixes.map((mix) => ({ route: mix.route, runner: runner.name, config: mix.config, lifecycle: 'cold' as const, workload: WORKLOAD, apps: mix.apps })));
      return { runner, cells, mixes, routes };
    });
    progress(`starting a front for each of ${planned.length} runner(s) (${cores} workers each): ${planned.map((entry) => `${entry.runner.name} ${entry.routes.length} cells`).join(', ')}`);
    const started = await Promise.allSettled(planned.map((entry) => startFront({ routes: entry.routes, workers: cores, host }, { signal })));
    for (const outcome of started) if (outcome.status === 'fulfilled') fronts.push(outcome.value);
    signal.throwIfAborted();
    for (const [index, { runner, cells, mixes }] of planned.entries()) {
      const outcome = started[index] as PromiseSettledResult<FrontHandle>;
      if (outcome.status === 'rejected') {
        for (const cell of cells) recordFailure(context, cell, `front did not start: ${(outcome.reason as Error).message}`);
        continue;
      }
      const front = outcome.value;
      for (const cell of cells) {
        const url = `${front.url}${routePath(routeName(cell), canned.request.path)}${canned.request.query ? `?${canned.request.query}` : ''}`;
        const check = await verify(url, canned.expected.status, canned.expected.bodySha256);
        if (check) {
          recordFailure(context, cell, check);
          continue;
        }
        const label = cellLabel(cell);
        targets.push({ label, key: { suite: 'throughput', runner: runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD }, url, expectBody, plan: [plannedRequest(label, url, canned)], pids: front.pids, usage: 'front' });
      }
      for (const mix of mixes) {
        const variants = Array.from({ length: mix.apps }, (_, id) => helloVariant(id));
        const requests = variants.map((variant, id) => ({ path: routePath(mix.route, canned.request.path, id), expectBody: variant.expectedBody }));
        const first = await verify(`${front.url}${requests[0]!.path}`, canned.expected.status, variants[0]!.expected.bodySha256);
        const label = `${runner.name}[${mix.config}] ${mix.apps} apps`;
        if (first) {
          progress(`${label} excluded: ${first}`);
          continue;
        }
        const plan = requests.map((request) => plannedGet(label, `${front.url}${request.path}`, request.expectBody));
        targets.push({ label, key: { suite: 'throughput', runner: runner.name, config: mix.config, lifecycle: 'cold', workload: WORKLOAD, apps: mix.apps }, url: front.url, expectBody, requests, plan, pids: front.pids, usage: 'front' });
      }
    }
    targets.push(...(await deployedTargets(context, canned, expectBody)));

    // Server runners: loaded directly, no front between the load generator and the server.
    results.recordOutcomes(unavailableServerOutcomes('throughput', context.unavailable, WORKLOAD));
    for (const cell of serverCells(context)) {
      signal.throwIfAborted();
      progress(`starting ${serverLabel(cell)}`);
      const verified = await startVerified(cell, workload, signal);
      if (verified.status === 'failed') {
        progress(`${serverLabel(cell)} excluded: ${verified.reason}`);
        results.recordOutcomes([failedServerOutcome('throughput', cell, WORKLOAD, verified.reason)]);
        continue;
      }
      const server = verified.server;
      stopServer.push(() => server.close());
      const label = serverLabel(cell);
      const url = requestUrl(server.url, canned.request);
      targets.push({ label, key: { suite: 'throughput', runner: cell.runner.name, config: cell.config, lifecycle: cell.runner.serverLifecycle, workload: WORKLOAD }, url, expectBody, plan: [plannedRequest(label, url, canned)], pids: server.pids(), usage: 'server' });
    }

    // Interleave targets round by round (A B C A B C) so drift of a shared machine hits all alike; Locust right after autocannon on each.
    const closed = new Map<string, LoadResult[]>();
    for (let round = 0; round < settings.rounds; round++) {
      for (const [index, target] of targets.entries()) {
        signal.throwIfAborted();
        progress(`closed loop ${target.label}, round ${round + 1}/${settings.rounds}, ${settings.durationSeconds}s x ${settings.connections} connections`);
        const measured = await measure(target, () => autocannonRun(target, { durationSeconds: settings.durationSeconds, connections: settings.connections, signal }));
        results.record(loadRows(target, CLOSED_LOOP, measured.value.load, { ...measured.usage, loadCpuCores: measured.value.loadCpuCores }, cores, round));
        recordLoadFailures(context, target, CLOSED_LOOP, measured.value.load);
        closed.set(target.label, [...(closed.get(target.label) ?? []), measured.value.load]);
        await sleep(RUN_GAP_MS, signal);
        if (locust?.active) {
          const final = round === settings.rounds - 1 && index === targets.length - 1;
          await measureWithLocust(context, locust, target, { settings, round, final, cores });
        }
      }
    }
    for (const target of targets) {
      // Open loop: the harness rows, the deployed targets, each runner's representative fresh-instance cell and each server runner's representative (latency at a fixed rate is evidence beside the claim).
      const harness = target.key.lifecycle === '-';
      const server = context.servers.find((runner) => target.usage === 'server' && runner.name === target.key.runner);
      if (server ? target.key.config !== representativeConfig(server) : !harness && (target.key.lifecycle !== 'cold' || target.key.apps !== undefined || !isRepresentative(target.key.runner, target.key.config))) continue;
      if (settings.openLoopRunners && !settings.openLoopRunners.includes(target.key.runner)) continue;
      signal.throwIfAborted();
      const rate = percentile((closed.get(target.label) ?? []).map((r) => r.requestsPerSecond), 0.5);
      const overallRate = Math.max(1, Math.round(rate * settings.openLoopFraction));
      progress(`open loop ${target.label} at ${overallRate} req/s (${settings.openLoopFraction * 100}% of its closed-loop rate)`);
      const measured = await measure(target, () => autocannonRun(target, { durationSeconds: settings.durationSeconds, connections: settings.connections, overallRate, signal }));
      results.record(loadRows(target, OPEN_LOOP, measured.value.load, { ...measured.usage, loadCpuCores: measured.value.loadCpuCores }, cores, 0));
      recordLoadFailures(context, target, OPEN_LOOP, measured.value.load);
      results.record(valueRow({ ...target.key, phase: OPEN_LOOP, metric: 'offered-rate', unit: 'req/s' }, overallRate));
    }
    results.decide(decideThroughput(results.measurements, results.outcomes, cores));
  } finally {
    await Promise.allSettled(fronts.map((front) => front.close()));
    await Promise.allSettled(stopServer.map((stop) => stop()));
  }
}

/**
 * The cells put under load: each runner's representative fresh-instance
 * cell; with variants every configuration's cold cell and the
 * representative's warm cell (the always-on model).
 */
function throughputCells(runner: Runner, variants: boolean): MatrixCell[] {
  if (!variants) return suiteCells({ runners: [runner], variants }, ['cold']);
  return suiteCells({ runners: [runner], variants }, ['cold', 'warm']).filter((cell) => cell.lifecycle === 'cold' || cell.config === representativeConfig(runner));
}

function key(runner: string, config: string): Target['key'] {
  return { suite: 'throughput', runner, config, lifecycle: '-', workload: WORKLOAD };
}

/** A target answered by a GET with a fixed body (the ceilings and the calibration). */
function getTarget(label: string, targetKey: Target['key'], url: string, body: string, pids: number[]): Target {
  return { label, key: targetKey, url, expectBody: body, plan: [plannedGet(label, url, body)], pids, usage: 'front' };
}

function routeName(cell: MatrixCell): string {
  return `${cell.runner.name}:${cell.config}:${cell.lifecycle}`;
}

function recordFailure(context: SuiteContext, cell: MatrixCell, reason: string): void {
  context.progress(`${cellLabel(cell)} excluded: ${reason}`);
  context.results.recordOutcomes([{ suite: 'throughput', runner: cell.runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD, subject: 'cell', condition: 'verification', outcome: 'failed', detail: reason }]);
}

/**
 * The deployed targets that serve the suite's workload and answer it
 * rightly; the others are outcome rows (failed with the reason, or not run).
 */
async function deployedTargets(context: SuiteContext, canned: CannedRequest, expectBody: string): Promise<Target[]> {
  const out: Target[] = [];
  for (const deployed of context.targets ?? []) {
    context.signal.throwIfAborted();
    const label = `target ${deployed.name}`;
    const outcome = (what: { condition: string; outcome: string; detail: string }): void => {
      context.progress(`${label} ${what.outcome === 'failed' ? 'excluded' : what.outcome}: ${what.detail}`);
      context.results.recordOutcomes([targetOutcome('throughput', deployed, WORKLOAD, what)]);
    };
    if (!deployed.workloads.includes(WORKLOAD)) {
      outcome({ condition: CLOSED_LOOP, outcome: 'not-run', detail: `the throughput suite loads ${WORKLOAD}; this target serves ${deployed.workloads.join(', ')}` });
      continue;
    }
    const problem = (await verifyTarget(deployed, [WORKLOAD], context.signal)).get(WORKLOAD);
    if (problem) {
      outcome({ condition: 'verification', outcome: 'failed', detail: problem });
      continue;
    }
    const url = targetUrl(deployed, canned.request);
    out.push({ label, key: { suite: 'throughput', ...targetKey(deployed), lifecycle: '-', workload: WORKLOAD }, url, expectBody, plan: [plannedRequest(label, url, canned)], pids: [], usage: 'front' });
  }
  return out;
}

/** Share of failed requests above which a cell is marked failed under load. */
const FAILED_SHARE = 0.01;

/**
 * Wrong answers mark a cell failed; errors (timeouts, non-2xx from a deadline
 * or an exhausted pool) above 1% of requests too. Either way the rows stay,
 * with requests/s counting correct answers only.
 */
function recordLoadFailures(context: SuiteContext, target: Target, phase: string, load: LoadResult, example?: string | null): void {
  const failed = load.totalRequests - load.okRequests + load.errors + load.timeouts;
  const silent = load.totalRequests === 0;
  if (!silent && load.mismatches === 0 && failed <= FAILED_SHARE * load.totalRequests) return;
  const detail = silent
    ? `${phase}: no complete response within the ${load.durationSeconds.toFixed(0)} s run (${load.errors} connection errors, ${load.timeouts} timeouts)`
    : `${phase}: ${load.mismatches} wrong answers, ${load.non2xx} non-2xx, ${load.errors} connection errors, ${load.timeouts} timeouts out of ${load.totalRequests} responses${example ? ` (first: ${example})` : ''}`;
  context.progress(`${target.label} failed under load: ${detail}`);
  context.results.recordOutcomes([{ suite: 'throughput', runner: target.key.runner, config: target.key.config, lifecycle: target.key.lifecycle, workload: WORKLOAD, subject: target.key.apps ? `cell apps=${target.key.apps}` : 'cell', condition: phase, outcome: 'failed', detail }]);
}

/** One request through the front, checked against the manifest; null when it matches. */
async function verify(url: string, status: number, bodySha256: string): Promise<string | null> {
  try {
    const response = await fetch(url);
    const body = new Uint8Array(await response.arrayBuffer());
    if (response.status !== status) return `status ${response.status} through the front, expected ${status}: ${Buffer.from(body).toString('utf8').slice(0, 120).trim()}`;
    if (sha256Hex(body) !== bodySha256) return 'wrong body through the front';
    return null;
  } catch (error) {
    return `request through the front failed: ${(error as Error).message}`;
  }
}

/** Runs one load and samples the front's processes around it (CPU over the run, RSS at its end). */
async function measure<T extends { load: LoadResult }>(target: Target, run: () => Promise<T>): Promise<{ value: T; usage: { cpuCores: number; rssBytes: number } }> {
  const before = await totalUsage(target.pids);
  const value = await run();
  const after = await totalUsage(target.pids);
  return { value, usage: { cpuCores: (after.cpuNs - before.cpuNs) / (value.load.durationSeconds * 1e9), rssBytes: after.rssBytes } };
}

/** autocannon runs in this process: the process's CPU over the run is the load generator's. */
async function autocannonRun(target: Target, options: { durationSeconds: number; connections: number; overallRate?: number; signal: AbortSignal }): Promise<{ load: LoadResult; loadCpuCores: number }> {
  const before = process.cpuUsage();
  const load = await runLoad({ url: target.url, expectBody: target.expectBody, requests: target.requests, ...options });
  const used = process.cpuUsage(before);
  return { load, loadCpuCores: load.durationSeconds > 0 ? (used.user + used.system) / 1e6 / load.durationSeconds : 0 };
}

/** Finds Locust; when it cannot run here, an outcome row says why and the suite goes on with autocannon alone. */
async function openLocust(context: SuiteContext, layout: LocustLayout): Promise<LocustEngine | null> {
  const found = await findLocust({ signal: context.signal });
  if (found.status === 'available') {
    const where = `${layout.localWorkers} local${layout.remoteWorkers ? ` + ${layout.remoteWorkers} remote` : ''} workers`;
    context.progress(`Locust ${found.install.version}: every target is loaded by Locust too (${where})`);
    return { install: found.install, layout, active: true };
  }
  recordLocustEngineOutcome(context, 'not-run', found.reason);
  return null;
}

function recordLocustEngineOutcome(context: SuiteContext, outcome: string, detail: string): void {
  context.progress(`Locust ${outcome}: ${detail}`);
  context.results.recordOutcomes([{ suite: 'throughput', runner: 'locust', config: '-', lifecycle: '-', workload: WORKLOAD, subject: 'load-engine', condition: LOCUST_CLOSED_LOOP, outcome, detail }]);
}

/**
 * One Locust run on a target: its rows, or a failed cell with the reason.
 * Workers that do not come (remote machines gone) end Locust for the rest
 * of the suite rather than make every target wait for them.
 */
async function measureWithLocust(context: SuiteContext, engine: LocustEngine, target: Target, run: { settings: ThroughputSettings; round: number; final: boolean; cores: number }): Promise<void> {
  const { signal, progress, results } = context;
  const { settings } = run;
  const { layout } = engine;
  progress(`locust closed loop ${target.label}, round ${run.round + 1}/${settings.rounds}, ${settings.durationSeconds}s x ${settings.connections} users x ${layout.localWorkers + layout.remoteWorkers} workers`);
  try {
    const measured = await measure(target, () =>
      runLocust(engine.install, {
        plan: { host: new URL(target.url).origin, requests: target.plan },
        durationSeconds: settings.durationSeconds,
        usersPerWorker: settings.connections,
        localWorkers: layout.localWorkers,
        remoteWorkers: layout.remoteWorkers,
        master: layout.master,
        final: run.final,
        workersWaitSeconds: LOCUST_WORKERS_WAIT_SECONDS,
        signal,
      }),
    );
    const locustRun = measured.value;
    results.record([...loadRows(target, LOCUST_CLOSED_LOOP, locustRun.load, { ...measured.usage, loadCpuCores: locustRun.loadCpuCores }, run.cores, run.round, 'latency-ms-buckets'), ...locustRows(target, locustRun, run.round)]);
    recordLoadFailures(context, target, LOCUST_CLOSED_LOOP, locustRun.load, locustRun.workers.find((worker) => worker.firstFailure)?.firstFailure);
    const rps = Math.round(locustRun.load.requestsPerSecond).toLocaleString('en-US');
    progress(`locust ${target.label}: ${rps} req/s from ${locustRun.workers.length} workers using ${locustRun.loadCpuCores.toFixed(2)} cores`);
  } catch (error) {
    if (signal.aborted) throw error;
    const failure = toBenchError(error);
    progress(`locust ${target.label} failed: ${failure.message}`);
    // Locust's own failure (workers missing, counts that disagree) is the engine's, not the cell's: subject load-engine.
    results.recordOutcomes([{ suite: 'throughput', runner: target.key.runner, config: target.key.config, lifecycle: target.key.lifecycle, workload: WORKLOAD, subject: 'load-engine', condition: LOCUST_CLOSED_LOOP, outcome: 'failed', detail: `${target.key.apps ? `apps=${target.key.apps}: ` : ''}${failure.message}` }]);
    if (failure.kind === 'unavailable') {
      engine.active = false;
      recordLocustEngineOutcome(context, 'failed', `stopped after ${target.label}: ${failure.message}`);
    }
  }
}

/**
 * The rows of one load run. `load-cpu` is the load generator's own CPU (this
 * process for autocannon, the workers for Locust); the front's rows are
 * absent for a deployed target, whose processes are not ours to sample.
 */
function loadRows(target: Target, phase: string, load: LoadResult, usage: { cpuCores: number; rssBytes: number; loadCpuCores: number }, cores: number, iteration: number, latencyMetric = 'latency'): Measurement[] {
  const base = { ...target.key, phase };
  const row = (metric: string, unit: string, value: number, stat: Measurement['stat'] = 'value'): Measurement => ({ ...base, metric, unit, stat, value, iteration });
  const front = target.pids.length > 0;
  const rows = [
    row('requests-per-second', 'req/s', load.requestsPerSecond),
    row('requests-per-second-per-core', 'req/s', load.requestsPerSecond / cores),
    row('requests', 'count', load.totalRequests),
    row('ok-requests', 'count', load.okRequests),
    row(latencyMetric, 'ns', load.latencyNs.p50, 'p50'),
    row(latencyMetric, 'ns', load.latencyNs.p90, 'p90'),
    row(latencyMetric, 'ns', load.latencyNs.p99, 'p99'),
    row(latencyMetric, 'ns', load.latencyNs.max, 'max'),
    row(latencyMetric, 'ns', load.latencyNs.count, 'count'),
    row('errors', 'count', load.errors + load.timeouts + load.non2xx + load.mismatches),
    row('mismatches', 'count', load.mismatches),
    row('non2xx', 'count', load.non2xx),
    row('load-cpu', 'cores', usage.loadCpuCores),
    ...(usage.loadCpuCores > 0 ? [row('requests-per-second-per-load-core', 'req/s', load.requestsPerSecond / usage.loadCpuCores)] : []),
    ...(front ? [row(`${target.usage}-cpu`, 'cores', usage.cpuCores)] : []),
    ...(front && load.totalRequests > 0 ? [row(`${target.usage}-cpu-per-request`, 'ns', (usage.cpuCores * load.durationSeconds * 1e9) / load.totalRequests)] : []),
    ...(front ? [row(`${target.usage}-rss`, 'bytes', usage.rssBytes)] : []),
  ];
  // A statistic the load could not give (a p99 of fewer than 100 responses) gets no row.
  return rows.filter((entry) => Number.isFinite(entry.value));
}

/** Locust's own rows: how many workers and users, and each worker's rate (samples, min, mean, max). */
function locustRows(target: Target, run: LocustRun, round: number): Measurement[] {
  const base = { ...target.key, phase: LOCUST_CLOSED_LOOP };
  const rates = run.workers.map((worker) => worker.requestsPerSecond);
  const perWorker = { ...base, metric: 'requests-per-second-per-worker', unit: 'req/s' };
  return [
    { ...base, metric: 'load-workers', unit: 'count', stat: 'value', value: run.workers.length, iteration: round },
    { ...base, metric: 'load-users', unit: 'count', stat: 'value', value: run.users, iteration: round },
    ...rates.map((value, index): Measurement => ({ ...perWorker, stat: 'sample', value, iteration: round * rates.length + index })),
    { ...perWorker, stat: 'min', value: Math.min(...rates), iteration: round },
    { ...perWorker, stat: 'mean', value: rates.reduce((a, b) => a + b, 0) / Math.max(1, rates.length), iteration: round },
    { ...perWorker, stat: 'max', value: Math.max(...rates), iteration: round },
  ];
}

async function startSimplestServer(signal: AbortSignal, host: string): Promise<{ url: string; pid: number; close: () => Promise<void> }> {
  const child = execa(process.execPath, [path.join(import.meta.dirname, 'simplest-server.ts'), host], { stdin: 'pipe', stdout: 'pipe', reject: false, cancelSignal: signal });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    child.then(() => reject(new Error('the simplest server exited before it listened')), reject);
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: httpUrl(host, port),
    pid: child.pid ?? 0,
    close: async () => {
      child.stdin?.end();
      child.kill();
      await child;
    },
  };
}
