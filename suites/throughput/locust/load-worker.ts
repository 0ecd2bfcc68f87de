/**
 * `wsb load-worker`'s work: Locust workers on this machine for a bench that
 * runs its master elsewhere (`wsb bench --load locust --load-master
 * HOST:PORT --remote-workers N`). The bench starts one master per run, so
 * each worker slot starts a fresh `locust --worker -f -` (the locustfile
 * comes from the master) after every run, until the master says the last
 * run is over, no master answers within Locust's connect limit, or the
 * signal aborts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../../../core/clock.ts';
import { BenchError } from '../../../core/errors.ts';
import { logTail, startLocustProcess, workerArgs, type LocustInstall, type MasterAddress } from './engine.ts';

/** What a worker process reported on stdout before it exited. */
interface WorkerEvents {
  connected: boolean;
  started: boolean;
  final: boolean;
}

/** Pause before a slot reconnects, so it reaches the next run's master rather than the quitting one. */
const RECONNECT_PAUSE_MS = 1000;

/** Runs `workers` slots until the bench's last run; resolves with the number of runs each slot took part in. */
export async function runLoadWorkers(
  install: LocustInstall,
  options: { master: MasterAddress; workers: number; signal: AbortSignal; progress: (message: string) => void },
): Promise<number[]> {
  const slots = Array.from({ length: options.workers }, (_, slot) => runSlot(install, slot, options));
  const settled = await Promise.allSettled(slots);
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<number>).value);
}

async function runSlot(install: LocustInstall, slot: number, options: { master: MasterAddress; signal: AbortSignal; progress: (message: string) => void }): Promise<number> {
  const { master, signal, progress } = options;
  let runs = 0;
  for (;;) {
    signal.throwIfAborted();
    const { events, stderr, log } = await runWorkerProcess(install, master, signal);
    signal.throwIfAborted();
    if (events.started) runs++;
    if (events.final) {
      progress(`worker ${slot}: the master's last run is over (${runs} runs)`);
      return runs;
    }
    if (!events.connected) {
      const why = stderr || log || 'no output';
      throw new BenchError('unavailable', `worker ${slot}: no master answered at ${master.host}:${master.port}${runs ? ` after ${runs} runs (the bench may have stopped without saying it was the last run)` : ''}: ${why}`);
    }
    if (events.started) progress(`worker ${slot}: run ${runs} done, waiting for the next`);
    await sleep(RECONNECT_PAUSE_MS, signal);
  }
}

/** One `locust --worker -f -` process, from start to exit; an abort stops it. */
async function runWorkerProcess(install: LocustInstall, master: MasterAddress, signal: AbortSignal): Promise<{ events: WorkerEvents; stderr: string; log: string }> {
  // Its own temporary folder: Locust writes the downloaded locustfile under a fixed name there.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-load-worker-'));
  const logFile = path.join(dir, 'worker.log');
  const events: WorkerEvents = { connected: false, started: false, final: false };
  const child = startLocustProcess(install, workerArgs('-', master), { cwd: dir, logFile, env: { TMPDIR: dir } });
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const event = /^\{"wsb": "([a-z-]+)"\}$/.exec(line.trim())?.[1];
      if (event === 'connected' || event === 'started' || event === 'final') events[event] = true;
    }
  });
  const onAbort = (): void => void child.kill('SIGTERM');
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await child;
    const stderr = String(result.stderr ?? '').trim().split('\n').slice(-2).join(' | ');
    return { events, stderr, log: logTail(logFile, 2) };
  } finally {
    signal.removeEventListener('abort', onAbort);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
