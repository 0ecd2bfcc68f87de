/**
 * A server process the suite starts and must stop: `wasmtime serve`, `spin
 * up` or a native server. Started in a process group of its own (so `spin
 * up`'s trigger child goes with it), on a loopback port, and considered up
 * at its first CORRECT response to the workload's canned request: that is
 * the start-to-first-response time. Stopped with SIGTERM, then SIGKILL,
 * and reaped; every live group is killed when this process exits, and on
 * abort.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { nowNs, sleep } from '../../core/clock.ts';
import { BenchError, firstLine } from '../../core/errors.ts';
import { freePort, LOOPBACK } from '../../core/net.ts';
import { responseMismatch, type CannedRequest } from '../../fixtures/manifest.ts';
import { requestUrl, sendRequest } from './http-client.ts';

/** How to start a server on a given port. */
export interface ServerCommand {
  /** What the server is, for messages: `wasmtime serve`, `spin up`, ... */
  what: string;
  command: string;
  args(port: number): string[];
  /** The whole environment of the server (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
}

/** A running server process. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Spawn -> first correct response, ns. */
  readonly startNs: number;
  /** The last lines the server wrote to stderr and stdout, for diagnostics. */
  outputTail(): string;
  /** Whether it is still running. */
  alive(): boolean;
  /** Stops it (SIGTERM, SIGKILL after a grace period) and waits until it is reaped. */
  close(): Promise<void>;
}

/** Options of {@link startServerProcess}. */
export interface StartOptions {
  /** The request that must be answered correctly for the server to count as up. */
  probe: CannedRequest;
  /** @default 60000 */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

const OUTPUT_TAIL_BYTES = 8192;

/**
 * How long a start waits between two connection attempts, ms: the
 * resolution of the start-to-first-response time. Why not a tighter loop:
 * on 2 cores a busy poll would take CPU from the server that is starting.
 */
export const READY_POLL_MS = 1;
const STOP_GRACE_MS = 3000;
/** Port collisions (another process took the free port first) are retried this often. */
const PORT_ATTEMPTS = 3;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** 'exit' handlers cannot wait: kill every live server's group at once. */
function killAllOnExit(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
}

/** Signals a server's process group; `leftovers` signals the group even after its leader exited (members it left behind). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals, leftovers = false): void {
  if (child.pid === undefined) return;
  const exited = child.exitCode !== null || child.signalCode !== null;
  if (exited && !leftovers) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    if (!exited) child.kill(signal);
  }
}

/** Pids of the server processes this process has running now (tests check that none is left). */
export function liveServerPids(): number[] {
  return [...live].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
}

/**
 * Starts a server on a free loopback port and resolves once it answered the
 * probe correctly. Rejects with one line (the server's own last error line
 * when it exited) and leaves nothing running when it does not come up.
 */
export async function startServerProcess(server: ServerCommand, options: StartOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOnPort(server, port, options);
    } catch (error) {
      const inUse = error instanceof BenchError && /address (already )?in use|AddrInUse/i.test(error.message);
      if (!inUse || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

async function startOnPort(server: ServerCommand, port: number, options: StartOptions): Promise<ServerProcess> {
  const { probe, signal } = options;
  signal?.throwIfAborted();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllOnExit);
  }
  let output = '';
  const startNs = nowNs();
  const child = spawn(server.command, server.args(port), { env: server.env, cwd: server.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      live.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    live.delete(child);
  });
  const close = async (): Promise<void> => {
    if (spawnError) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      // Exited on its own: wait until its output closed (it is forgotten then) and end whatever its group left.
      await exited;
      killGroup(child, 'SIGKILL', true);
      return;
    }
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // The group may hold children that outlived their parent (spin up's trigger): make sure none is left.
    killGroup(child, 'SIGKILL', true);
  };
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });

  const url = `http://${LOOPBACK}:${port}`;
  const deadlineNs = startNs + (options.readyTimeoutMs ?? 60_000) * 1e6;
  const died = (): string => {
    const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
    const error = lines.find((line) => /error|in use|failed|invalid|usage/i.test(line)) ?? lines.at(-1) ?? '(no output)';
    return `${server.what} exited (${child.exitCode ?? child.signalCode}) before it answered: ${firstLine(error)}`;
  };
  try {
    for (;;) {
      signal?.throwIfAborted();
      if (spawnError) throw new BenchError('unavailable', `cannot start ${server.what} (${server.command}): ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) throw new BenchError('guest', died());
      if (nowNs() > deadlineNs) throw new BenchError('internal', `${server.what} did not answer within ${options.readyTimeoutMs ?? 60_000} ms on ${url}`);
      let answered;
      try {
        answered = await sendRequest(requestUrl(url, probe.request), probe.request, false, { signal, timeoutMs: 10_000 });
      } catch (error) {
        if (signal?.aborted) throw error;
        // Not listening yet: try again shortly.
        await sleep(READY_POLL_MS, signal);
        continue;
      }
      const readyNs = nowNs() - startNs;
      const mismatch = responseMismatch(probe.expected, answered.response);
      if (mismatch) throw new BenchError('guest', `${server.what} answered ${probe.name} wrongly: ${mismatch}`);
      signal?.removeEventListener('abort', onAbort);
      return {
        url,
        port,
        pid: child.pid ?? 0,
        startNs: readyNs,
        outputTail: () => output,
        alive: () => child.exitCode === null && child.signalCode === null,
        close,
      };
    }
  } catch (error) {
    signal?.removeEventListener('abort', onAbort);
    await close();
    // The exit may have raced the last probe: say why it exited rather than "connection refused".
    if (!(error instanceof BenchError) && !signal?.aborted && child.exitCode !== null) throw new BenchError('guest', died());
    throw error;
  }
}
