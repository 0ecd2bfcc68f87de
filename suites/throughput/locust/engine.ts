/**
 * Locust (PyPI `locust`, pinned, in the project's .venv-engines/) as a second
 * load engine beside autocannon: one headless master and N worker processes
 * per run, in Locust's own master/worker mode, so the load can come from
 * several machines. Each run generates its locustfile from the plan
 * (plan.ts); the master ends the run and gathers every worker's own counts,
 * which must add up to Locust's statistics (its `--json-file` output).
 *
 * Rates are correct answers per second, per worker over the measured window
 * (from the master's mark, sent once every worker runs, to the worker's last
 * answer, on its own clock) and summed over the workers, so clocks of
 * different machines are never compared and the ramp-up is left out.
 * Latencies are Locust's: whole milliseconds below 100 ms, coarser above.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { settlesWithin } from '../../../core/clock.ts';
import { BenchError } from '../../../core/errors.ts';
import { histogramPercentile, MIN_SAMPLES_FOR_P90, MIN_SAMPLES_FOR_P99 } from '../../../core/stats.ts';
import { DEFAULT_VENV_DIR, venvPython } from '../../../runners/wasmtime/index.ts';
import { freePort, LOOPBACK } from '../../../core/net.ts';
import type { LoadResult } from '../load.ts';
import { locustfileSource, type LoadPlan } from './plan.ts';

/** The pinned version of the `locust` package (scripts/setup.sh installs it). */
export const LOCUST_VERSION = '2.47.0';

/** A Locust installation that can run. */
export interface LocustInstall {
  python: string;
  version: string;
}

/** Finds Locust in the engines' virtual environment, or says why it cannot run. */
export async function findLocust(options: { venvDir?: string; signal?: AbortSignal } = {}): Promise<{ status: 'available'; install: LocustInstall } | { status: 'unavailable'; reason: string }> {
  const venvDir = options.venvDir ?? DEFAULT_VENV_DIR;
  const python = venvPython(venvDir);
  const fix = `run \`bash scripts/setup.sh\` (it installs locust==${LOCUST_VERSION} into ${path.relative(process.cwd(), venvDir) || venvDir})`;
  if (!fs.existsSync(python)) return { status: 'unavailable', reason: `no Python virtual environment at ${venvDir}: ${fix}` };
  const probe = await execa(python, ['-c', 'from importlib.metadata import version; print(version("locust"))'], { reject: false, timeout: 30_000, cancelSignal: options.signal });
  if (probe.exitCode !== 0) return { status: 'unavailable', reason: `the locust package is not installed in ${venvDir}: ${fix}` };
  return { status: 'available', install: { python, version: String(probe.stdout).trim() } };
}

/** Where the master listens: `--master-bind-host` and `--master-bind-port`. */
export interface MasterAddress {
  host: string;
  port: number;
}

/** Where Locust's workers run, as `wsb bench --load locust` was told. */
export interface LocustLayout {
  /** Worker processes started on this machine for every run (`--workers`). */
  localWorkers: number;
  /** Workers other machines run (`--remote-workers`, each machine: `wsb load-worker`). */
  remoteWorkers: number;
  /** Where the master listens (`--load-master`); the fronts then listen on its host too. Absent: 127.0.0.1, a free port. */
  master?: MasterAddress;
}

/** One Locust run. */
export interface LocustRunOptions {
  plan: LoadPlan;
  durationSeconds: number;
  /** Locust users (each a connection in a closed loop) per worker. */
  usersPerWorker: number;
  /** Worker processes started here. */
  localWorkers: number;
  /** Workers expected from other machines (`wsb load-worker`). */
  remoteWorkers: number;
  /** Where the master listens. @default 127.0.0.1 and a free port */
  master?: MasterAddress;
  /** Tells remote workers that no run follows. @default false */
  final?: boolean;
  /** How long the master waits for every worker to connect. @default 120 */
  workersWaitSeconds?: number;
  signal?: AbortSignal;
}

/** What one worker counted itself. */
export interface WorkerCounts {
  id: string;
  /** Locust's worker index (0-based, in connection order). */
  index: number;
  requests: number;
  okRequests: number;
  errors: number;
  non2xx: number;
  mismatches: number;
  /** The measured window: the master's mark (first request without one) to the last answer, on the worker's clock. */
  durationSeconds: number;
  /** Correct answers per second over the measured window. */
  requestsPerSecond: number;
  /** CPU the worker process used over the measured window, in cores. */
  cpuCores: number;
  /** The first failure the worker saw, in one line. */
  firstFailure: string | null;
}

/** A finished Locust run. */
export interface LocustRun {
  /** Totals in the shape autocannon's runs have (latencies: Locust's millisecond buckets). */
  load: LoadResult;
  workers: WorkerCounts[];
  users: number;
  /** CPU of all workers over their windows, in cores (the load generator's cost). */
  loadCpuCores: number;
  /** Requests and failures in Locust's own statistics (they equal the workers' sums). */
  locustTotals: { requests: number; failures: number };
}

/** The counts the locustfile's master writes. */
interface CountsFile {
  expected: number;
  workers: {
    id: string;
    index: number;
    requests: number;
    ok: number;
    errors: number;
    non2xx: number;
    mismatches: number;
    firstFailure: string | null;
    firstStart: number | null;
    lastEnd: number | null;
    cpuStart: number | null;
    cpuEnd: number | null;
    /** The worker's counts, clock and CPU time at the master's mark. */
    mark: { requests: number; ok: number; time: number; cpu: number } | null;
  }[];
}

/** One entry of Locust's `--json-file` statistics (the fields read here). */
interface LocustStatsEntry {
  num_requests: number;
  num_failures: number;
  total_response_time: number;
  max_response_time: number;
  response_times: Record<string, number>;
}

/** Seconds the master gives the workers to send their counts after the flush. */
const FLUSH_TIMEOUT_SECONDS = 30;

/** Environment of Locust's processes: ours without LOCUST_* settings, which would change a run behind the plan's back. */
function locustEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined && !name.startsWith('LOCUST_')) env[name] = value;
  return { ...env, PYTHONUNBUFFERED: '1', WSB_PARENT_PID: String(process.pid), ...extra };
}

/** Starts one Locust process; its log goes to `logFile`. */
export function startLocustProcess(install: LocustInstall, args: string[], options: { cwd: string; logFile: string; env?: Record<string, string> }): ResultPromise {
  return execa(install.python, ['-m', 'locust', ...args, '--logfile', options.logFile, '--loglevel', 'WARNING'], {
    cwd: options.cwd,
    env: locustEnv(options.env ?? {}),
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    reject: false,
    forceKillAfterDelay: 5_000,
  });
}

/** The last lines of a log file, for an error message. */
export function logTail(file: string, lines = 3): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '';
  }
}

/** Arguments of a worker process that connects to `master` and runs `locustfile` (a path, or `-` to take it from the master). */
export function workerArgs(locustfile: string, master: MasterAddress): string[] {
  return ['-f', locustfile, '--worker', '--master-host', master.host, '--master-port', String(master.port)];
}

/**
 * Runs one Locust load: generates the locustfile, starts the master and the
 * local workers, waits for the master to end the run, and reads back
 * Locust's statistics and the workers' counts. An abort stops every process
 * it started and rejects; no process outlives the call.
 */
export async function runLocust(install: LocustInstall, options: LocustRunOptions): Promise<LocustRun> {
  const { signal } = options;
  signal?.throwIfAborted();
  const totalWorkers = options.localWorkers + options.remoteWorkers;
  if (totalWorkers < 1) throw new BenchError('usage', 'a Locust run needs at least one worker');
  const users = options.usersPerWorker * totalWorkers;
  const waitSeconds = options.workersWaitSeconds ?? 120;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-locust-'));
  const locustfile = path.join(dir, 'locustfile.py');
  const countsFile = path.join(dir, 'counts.json');
  const statsPrefix = path.join(dir, 'stats');
  const masterLog = path.join(dir, 'master.log');
  fs.writeFileSync(locustfile, locustfileSource(options.plan, { durationSeconds: options.durationSeconds, final: options.final ?? false, flushTimeoutSeconds: FLUSH_TIMEOUT_SECONDS }));
  const bind = options.master ?? { host: LOOPBACK, port: await freePort(LOOPBACK) };
  const children: ResultPromise[] = [];
  const stopAll = async (): Promise<void> => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.allSettled(children);
  };
  const onAbort = (): void => void stopAll();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const master = startLocustProcess(install, [
      '-f', locustfile, '--headless', '--master',
      '--master-bind-host', bind.host, '--master-bind-port', String(bind.port),
      '--expect-workers', String(totalWorkers), '--expect-workers-max-wait', String(waitSeconds),
      // All users within about a tenth of a second: the ramp stays a small part of the window.
      '-u', String(users), '-r', String(users * 10),
      '--host', options.plan.host,
      '--json-file', statsPrefix, '--exit-code-on-error', '0', '--only-summary',
    ], { cwd: dir, logFile: masterLog, env: { WSB_LOCUST_COUNTS: countsFile } });
    children.push(master);
    for (let i = 0; i < options.localWorkers; i++) {
      children.push(startLocustProcess(install, workerArgs(locustfile, bind), { cwd: dir, logFile: path.join(dir, `worker-${i}.log`) }));
    }
    const limitMs = (waitSeconds + options.durationSeconds + FLUSH_TIMEOUT_SECONDS + 60) * 1000;
    if (!(await settlesWithin(master, limitMs, signal))) throw new BenchError('internal', `the Locust master did not end the run within ${limitMs / 1000} s: ${logTail(masterLog)}`);
    signal?.throwIfAborted();
    if (!fs.existsSync(countsFile)) {
      const { exitCode, signal: killedBy, stderr } = await master;
      const lastError = String(stderr ?? '').split('\n').map((line) => line.trim()).filter(Boolean).at(-1) ?? '';
      const log = [logTail(masterLog), lastError].filter(Boolean).join(' | ');
      if (/Gave up waiting for workers/.test(log)) throw new BenchError('unavailable', `not all ${totalWorkers} Locust worker(s) connected to ${bind.host}:${bind.port} within ${waitSeconds} s`);
      if (/Address already in use|assign requested address/i.test(log)) throw new BenchError('unavailable', `the Locust master cannot listen on ${bind.host}:${bind.port}: ${log}`);
      throw new BenchError('internal', `the Locust master (exit code ${exitCode ?? killedBy}) wrote no counts: ${log || 'no log'}`);
    }
    // The master's quit message ends the workers; give them a moment before they are stopped.
    await settlesWithin(Promise.allSettled(children), 10_000, signal);
    return readRun(countsFile, `${statsPrefix}.json`, totalWorkers, users);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads a run's counts and Locust's statistics, checks that they agree, and sums them up. */
function readRun(countsFile: string, statsFile: string, totalWorkers: number, users: number): LocustRun {
  const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8')) as CountsFile;
  if (counts.workers.length < totalWorkers) {
    throw new BenchError('internal', `only ${counts.workers.length} of ${totalWorkers} Locust workers sent their counts`);
  }
  const entries = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as LocustStatsEntry[];
  const locustTotals = { requests: 0, failures: 0 };
  const histogram = new Map<number, number>();
  let totalResponseMs = 0;
  let maxResponseMs = 0;
  for (const entry of entries) {
    locustTotals.requests += entry.num_requests;
    locustTotals.failures += entry.num_failures;
    totalResponseMs += entry.total_response_time;
    maxResponseMs = Math.max(maxResponseMs, entry.max_response_time);
    for (const [ms, count] of Object.entries(entry.response_times)) histogram.set(Number(ms), (histogram.get(Number(ms)) ?? 0) + count);
  }
  const workers: WorkerCounts[] = counts.workers.map((worker) => {
    const start = worker.mark ?? (worker.firstStart !== null && worker.cpuStart !== null ? { ok: 0, time: worker.firstStart, cpu: worker.cpuStart } : null);
    const durationSeconds = start && worker.lastEnd !== null ? Math.max(0, worker.lastEnd - start.time) : 0;
    const cpuSeconds = start && worker.cpuEnd !== null ? worker.cpuEnd - start.cpu : 0;
    return {
      id: worker.id,
      index: worker.index,
      requests: worker.requests,
      okRequests: worker.ok,
      errors: worker.errors,
      non2xx: worker.non2xx,
      mismatches: worker.mismatches,
      durationSeconds,
      requestsPerSecond: start && durationSeconds > 0 ? (worker.ok - start.ok) / durationSeconds : 0,
      cpuCores: durationSeconds > 0 ? cpuSeconds / durationSeconds : 0,
      firstFailure: worker.firstFailure,
    };
  });
  const sum = (pick: (worker: WorkerCounts) => number): number => workers.reduce((total, worker) => total + pick(worker), 0);
  const failures = sum((w) => w.errors + w.non2xx + w.mismatches);
  if (sum((w) => w.requests) !== locustTotals.requests || failures !== locustTotals.failures) {
    throw new BenchError('internal', `Locust's statistics (${locustTotals.requests} requests, ${locustTotals.failures} failures) and its workers' own counts (${sum((w) => w.requests)}, ${failures}) differ`);
  }
  const buckets = [...histogram];
  const count = buckets.reduce((total, [, n]) => total + n, 0);
  const msToNs = (ms: number): number => ms * 1e6;
  const load: LoadResult = {
    requestsPerSecond: sum((w) => w.requestsPerSecond),
    totalRequests: locustTotals.requests,
    okRequests: sum((w) => w.okRequests),
    durationSeconds: Math.max(0, ...workers.map((w) => w.durationSeconds)),
    latencyNs: {
      p50: msToNs(histogramPercentile(buckets, 0.5)),
      p90: count >= MIN_SAMPLES_FOR_P90 ? msToNs(histogramPercentile(buckets, 0.9)) : Number.NaN,
      p99: count >= MIN_SAMPLES_FOR_P99 ? msToNs(histogramPercentile(buckets, 0.99)) : Number.NaN,
      max: count > 0 ? msToNs(maxResponseMs) : Number.NaN,
      mean: count > 0 ? msToNs(totalResponseMs / count) : Number.NaN,
      count,
    },
    errors: sum((w) => w.errors),
    timeouts: 0,
    non2xx: sum((w) => w.non2xx),
    mismatches: sum((w) => w.mismatches),
  };
  return { load, workers, users, loadCpuCores: sum((w) => w.cpuCores), locustTotals };
}
