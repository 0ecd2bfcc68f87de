/**
 * suites/throughput: requests/s and latency of every cell through the one
 * common HTTP front, beside the front's own no-op ceiling and the load
 * generator's ceiling measured in the same run; and of every server runner
 * (`wasmtime serve`, `spin up`, the native server) loaded directly, server
 * to server, with the same load generator and the same check of every
 * response. Decides `throughput-100k`.
 */
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { sleep } from '../../core/clock.ts';
import { totalUsage } from '../../core/proc.ts';
import { valueRow, type CellKey, type Measurement } from '../../core/results.ts';
import { percentile } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, sha256Hex } from '../../fixtures/manifest.ts';
import { helloVariant } from '../../fixtures/variants.ts';
import { isMultiAppRunner, type Runner } from '../../runners/types.ts';
import { cellLabel, suiteCells, type MatrixCell } from '../cells.ts';
import { isRepresentative, representativeConfig } from '../representatives.ts';
import { failedServerOutcome, serverCells, serverLabel, startVerified, unavailableServerOutcomes } from '../servers.ts';
import { requestUrl } from '../../runners/http-server/http-client.ts';
import { startFront, type FrontHandle } from '../http-front/front.ts';
import { FRONT_START_MS, planSeconds } from '../plan.ts';
import { NOOP_BODY, NOOP_PATH, routePath, SPIN_PATH, type FrontRoute } from '../http-front/spec.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { runLoad, type LoadResult } from './load.ts';
import { decideThroughput } from './verdict.ts';

/** Profile settings of the throughput suite. */
export interface ThroughputSettings {
  /** Seconds of each closed-loop and open-loop run. */
  durationSeconds: number;
  /** Interleaved rounds over all targets; the median round is reported. */
  rounds: number;
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
  // Why open loop only for the no-op route and the headline substrates in --quick: latency at a fixed rate is evidence beside the claim, not the claim.
  // The server runners are in it too: each serves HTTP itself, and its latency at a fixed rate is the server-to-server comparison.
  quick: { durationSeconds: 2, rounds: 3, connections: 16, openLoopFraction: 0.5, mixApps: [1000], mixRunners: ['wasm'], spinMicros: [], openLoopRunners: ['front-noop', 'wasm', 'process', 'container', 'wasm-wasmtime-serve', 'wasm-spin', 'process-server', 'container-server'] },
  full: { durationSeconds: 4, rounds: 3, connections: 32, openLoopFraction: 0.5, mixApps: [1, 100, 1000, 10_000], spinMicros: [5, 20], openLoopRunners: null },
} satisfies Record<string, ThroughputSettings>;

/** Pause between load runs, ms, so that one run's connections are closed before the next starts. */
const RUN_GAP_MS = 200;

/** The workload every cell serves under load. */
const WORKLOAD = 'hello';

/** Something to put load on: a URL with its expected body and row identity. */
interface Target {
  label: string;
  key: Omit<CellKey, 'phase' | 'metric' | 'unit'>;
  url: string;
  expectBody: string;
  /** Many-apps mixes: the paths cycled through, each with its app's body. */
  requests?: { path: string; expectBody: string }[];
  /** Processes whose CPU and RSS are sampled during load. */
  pids: number[];
  /** Whose CPU and RSS those are: the common front's (metrics `front-*`) or a server runner's own (`server-*`). */
  usage: 'front' | 'server';
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
    for (const cell of serverCells(input)) {
      targets++;
      if (!settings.openLoopRunners || settings.openLoopRunners.includes(cell.runner.name)) openLoop += 1;
    }
    const secondMs = 1000 + RUN_GAP_MS;
    const closedMs = settings.rounds * targets * settings.durationSeconds * secondMs;
    const openMs = openLoop * settings.durationSeconds * secondMs;
    return { plannedMs: closedMs + openMs + fronts * FRONT_START_MS, detail: `${targets} targets x ${settings.rounds} rounds x ${settings.durationSeconds} s closed loop (${planSeconds(closedMs)}), ${openLoop} open loop (${planSeconds(openMs)}), ${fronts} fronts to start` };
  },
  async run(context) {
    const settings: ThroughputSettings = THROUGHPUT_SETTINGS[context.profile];
    const { signal, progress, results } = context;
    const workload = loadWorkload(WORKLOAD);
    const canned = cannedRequest(workload);
    const expectBody = Buffer.from(canned.expected.body ?? '').toString('utf8');
    const cores = os.availableParallelism();
    const fronts: FrontHandle[] = [];
    const stopServer: (() => Promise<void>)[] = [];
    try {
      const targets: Target[] = [];
      progress('starting the simplest server (load generator ceiling)');
      const simplest = await startSimplestServer(signal);
      stopServer.push(simplest.close);
      targets.push({ label: 'loadgen-ceiling', key: key('loadgen-ceiling', 'simplest-server'), url: `${simplest.url}/`, expectBody: 'ok\n', pids: [simplest.pid], usage: 'front' });

      progress(`starting the no-op front (${cores} workers)`);
      const noopFront = await startFront({ routes: [], workers: cores }, { signal });
      fronts.push(noopFront);
      targets.push({ label: 'front-noop', key: key('front-noop', `workers=${cores}`), url: `${noopFront.url}${NOOP_PATH}`, expectBody: NOOP_BODY, pids: noopFront.pids, usage: 'front' });
      for (const us of settings.spinMicros) {
        targets.push({ label: `front-spin ${us} us`, key: key('front-spin', `spin=${us}us`), url: `${noopFront.url}${SPIN_PATH}?us=${us}`, expectBody: NOOP_BODY, pids: noopFront.pids, usage: 'front' });
      }

      for (const runner of context.runners) {
        const cells = throughputCells(runner, context.variants);
        const routes: FrontRoute[] = cells.map((cell) => ({ route: routeName(cell), runner: runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD, poolSize: 8 }));
        const mixes = isMultiAppRunner(runner) && (!settings.mixRunners || settings.mixRunners.includes(runner.name))
          ? [representativeConfig(runner)].flatMap((config) => settings.mixApps.map((apps) => ({ config, apps, route: `${runner.name}:${config}:apps=${apps}` })))
          : [];
        routes.push(...mixes.map((mix) => ({ route: mix.route, runner: runner.name, config: mix.config, lifecycle: 'cold' as const, workload: WORKLOAD, apps: mix.apps })));
        progress(`starting a front for ${runner.name} (${routes.length} cells, ${cores} workers)`);
        let front: FrontHandle;
        try {
          front = await startFront({ routes, workers: cores }, { signal });
        } catch (error) {
          if (signal.aborted) throw error;
          for (const cell of cells) recordFailure(context, cell, `front did not start: ${(error as Error).message}`);
          continue;
        }
        fronts.push(front);
        for (const cell of cells) {
          const url = `${front.url}${routePath(routeName(cell), canned.request.path)}${canned.request.query ? `?${canned.request.query}` : ''}`;
          const check = await verify(url, canned.expected.status, canned.expected.bodySha256);
          if (check) {
            recordFailure(context, cell, check);
            continue;
          }
          targets.push({ label: cellLabel(cell), key: { suite: 'throughput', runner: runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD }, url, expectBody, pids: front.pids, usage: 'front' });
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
          targets.push({ label, key: { suite: 'throughput', runner: runner.name, config: mix.config, lifecycle: 'cold', workload: WORKLOAD, apps: mix.apps }, url: front.url, expectBody, requests, pids: front.pids, usage: 'front' });
        }
      }

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
        targets.push({ label: serverLabel(cell), key: { suite: 'throughput', runner: cell.runner.name, config: cell.config, lifecycle: cell.runner.serverLifecycle, workload: WORKLOAD }, url: requestUrl(server.url, canned.request), expectBody, pids: server.pids(), usage: 'server' });
      }

      // Interleave targets round by round (A B C A B C) so drift of a shared machine hits all alike.
      const closed = new Map<string, LoadResult[]>();
      for (let round = 0; round < settings.rounds; round++) {
        for (const target of targets) {
          signal.throwIfAborted();
          progress(`closed loop ${target.label}, round ${round + 1}/${settings.rounds}, ${settings.durationSeconds}s x ${settings.connections} connections`);
          const measured = await measure(target, { durationSeconds: settings.durationSeconds, connections: settings.connections, signal });
          results.record(loadRows(target, 'closed-loop', measured.load, measured.usage, cores, round));
          recordLoadFailures(context, target, 'closed-loop', measured.load);
          closed.set(target.label, [...(closed.get(target.label) ?? []), measured.load]);
          await sleep(RUN_GAP_MS, signal);
        }
      }
      for (const target of targets) {
        // Open loop: the harness rows, each runner's representative fresh-instance cell and each server runner's representative (latency at a fixed rate is evidence beside the claim).
        const harness = target.key.lifecycle === '-';
        const server = context.servers.find((runner) => target.usage === 'server' && runner.name === target.key.runner);
        if (server ? target.key.config !== representativeConfig(server) : !harness && (target.key.lifecycle !== 'cold' || target.key.apps !== undefined || !isRepresentative(target.key.runner, target.key.config))) continue;
        if (settings.openLoopRunners && !settings.openLoopRunners.includes(target.key.runner)) continue;
        signal.throwIfAborted();
        const rate = percentile((closed.get(target.label) ?? []).map((r) => r.requestsPerSecond), 0.5);
        const overallRate = Math.max(1, Math.round(rate * settings.openLoopFraction));
        progress(`open loop ${target.label} at ${overallRate} req/s (${settings.openLoopFraction * 100}% of its closed-loop rate)`);
        const measured = await measure(target, { durationSeconds: settings.durationSeconds, connections: settings.connections, overallRate, signal });
        results.record(loadRows(target, 'open-loop', measured.load, measured.usage, cores, 0));
        recordLoadFailures(context, target, 'open-loop', measured.load);
        results.record(valueRow({ ...target.key, phase: 'open-loop', metric: 'offered-rate', unit: 'req/s' }, overallRate));
      }
      results.decide(decideThroughput(results.measurements, results.outcomes, cores));
    } finally {
      await Promise.allSettled(fronts.map((front) => front.close()));
      await Promise.allSettled(stopServer.map((stop) => stop()));
    }
  },
};

/** The cells put under load: each runner's representative fresh-instance cell; with variants every configuration, cold and warm (the always-on model). */
function throughputCells(runner: Runner, variants: boolean): MatrixCell[] {
  return suiteCells({ runners: [runner], variants }, variants ? ['cold', 'warm'] : ['cold']);
}

function key(runner: string, config: string): Target['key'] {
  return { suite: 'throughput', runner, config, lifecycle: '-', workload: WORKLOAD };
}

function routeName(cell: MatrixCell): string {
  return `${cell.runner.name}:${cell.config}:${cell.lifecycle}`;
}

function recordFailure(context: SuiteContext, cell: MatrixCell, reason: string): void {
  context.progress(`${cellLabel(cell)} excluded: ${reason}`);
  context.results.recordOutcomes([{ suite: 'throughput', runner: cell.runner.name, config: cell.config, lifecycle: cell.lifecycle, workload: WORKLOAD, subject: 'cell', condition: 'verification', outcome: 'failed', detail: reason }]);
}

/** Share of failed requests above which a cell is marked failed under load. */
const FAILED_SHARE = 0.01;

/**
 * Wrong answers mark a cell failed; errors (timeouts, non-2xx from a deadline
 * or an exhausted pool) above 1% of requests too. Either way the rows stay,
 * with requests/s counting correct answers only.
 */
function recordLoadFailures(context: SuiteContext, target: Target, phase: string, load: LoadResult): void {
  const failed = load.totalRequests - load.okRequests + load.errors + load.timeouts;
  const silent = load.totalRequests === 0;
  if (!silent && load.mismatches === 0 && failed <= FAILED_SHARE * load.totalRequests) return;
  const detail = silent
    ? `${phase}: no complete response within the ${load.durationSeconds.toFixed(0)} s run (${load.errors} connection errors, ${load.timeouts} timeouts)`
    : `${phase}: ${load.mismatches} wrong answers, ${load.non2xx} non-2xx, ${load.errors} connection errors, ${load.timeouts} timeouts out of ${load.totalRequests} responses`;
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

async function measure(target: Target, options: { durationSeconds: number; connections: number; overallRate?: number; signal: AbortSignal }) {
  const before = await totalUsage(target.pids);
  const load = await runLoad({ url: target.url, expectBody: target.expectBody, requests: target.requests, ...options });
  const after = await totalUsage(target.pids);
  const usage = { cpuCores: (after.cpuNs - before.cpuNs) / (load.durationSeconds * 1e9), rssBytes: after.rssBytes };
  return { load, usage };
}

function loadRows(target: Target, phase: string, load: LoadResult, usage: { cpuCores: number; rssBytes: number }, cores: number, iteration: number): Measurement[] {
  const base = { ...target.key, phase };
  const row = (metric: string, unit: string, value: number, stat: Measurement['stat'] = 'value'): Measurement => ({ ...base, metric, unit, stat, value, iteration });
  const rows = [
    row('requests-per-second', 'req/s', load.requestsPerSecond),
    row('requests-per-second-per-core', 'req/s', load.requestsPerSecond / cores),
    row('requests', 'count', load.totalRequests),
    row('ok-requests', 'count', load.okRequests),
    row('latency', 'ns', load.latencyNs.count, 'count'),
    row('latency', 'ns', load.latencyNs.p50, 'p50'),
    row('latency', 'ns', load.latencyNs.p90, 'p90'),
    row('latency', 'ns', load.latencyNs.p99, 'p99'),
    row('latency', 'ns', load.latencyNs.max, 'max'),
    row('errors', 'count', load.errors + load.timeouts + load.non2xx + load.mismatches),
    row('mismatches', 'count', load.mismatches),
    row('non2xx', 'count', load.non2xx),
    row(`${target.usage}-cpu`, 'cores', usage.cpuCores),
    ...(load.totalRequests > 0 ? [row(`${target.usage}-cpu-per-request`, 'ns', (usage.cpuCores * load.durationSeconds * 1e9) / load.totalRequests)] : []),
    row(`${target.usage}-rss`, 'bytes', usage.rssBytes),
  ];
  // A statistic the load could not give (a p99 of fewer than 100 responses) gets no row.
  return rows.filter((entry) => Number.isFinite(entry.value));
}

async function startSimplestServer(signal: AbortSignal): Promise<{ url: string; pid: number; close: () => Promise<void> }> {
  const child = execa(process.execPath, [path.join(import.meta.dirname, 'simplest-server.ts')], { stdin: 'pipe', stdout: 'pipe', reject: false, cancelSignal: signal });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    child.then(() => reject(new Error('the simplest server exited before it listened')), reject);
  });
  const { port } = JSON.parse(line) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    close: async () => {
      child.stdin?.end();
      child.kill();
      await child;
    },
  };
}
