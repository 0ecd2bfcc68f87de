/**
 * Starts and stops the common HTTP front in its own process, so that its CPU
 * and memory are measured apart from the load generator's and the front's
 * cost is the same for every substrate (DESIGN.md section 2, fairness rules).
 */
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { BenchError } from '../../core/errors.ts';
import { freePort, httpUrl, LOOPBACK } from '../../core/net.ts';
import type { FrontSpec } from './spec.ts';

/** A running front. */
export interface FrontHandle {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  /** Pids of the primary and every worker, for CPU and RSS sampling. */
  pids: number[];
  /** Stops the front; its workers close their cells (containers removed, processes reaped). */
  close(): Promise<void>;
}

const FRONT_ENTRY = path.join(import.meta.dirname, 'front-process.ts');

/** Starts the front and resolves when every worker listens (or rejects with the first worker's error). */
export async function startFront(spec: FrontSpec, options: { signal?: AbortSignal; readyTimeoutMs?: number } = {}): Promise<FrontHandle> {
  const host = spec.host ?? LOOPBACK;
  // A fixed free port: cluster workers listening on port 0 would each get their own.
  const port = await freePort(host);
  const child: ResultPromise = execa(process.execPath, [FRONT_ENTRY], {
    env: { WSB_FRONT_SPEC: JSON.stringify(spec), WSB_FRONT_PORT: String(port), WSB_FRONT_HOST: host },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'inherit',
    reject: false,
    cancelSignal: options.signal,
    forceKillAfterDelay: 20_000,
  });
  const close = async (): Promise<void> => {
    child.stdin?.end();
    child.kill('SIGTERM');
    await child;
  };
  try {
    const ready = await firstLine(child, options.readyTimeoutMs ?? 120_000);
    const message = JSON.parse(ready) as { port?: number; pids?: number[]; error?: string };
    if (message.error || !message.port) throw new BenchError('internal', `the HTTP front did not start: ${message.error ?? ready}`);
    return { url: httpUrl(host, message.port), port: message.port, pids: message.pids ?? [], close };
  } catch (error) {
    await close();
    throw error;
  }
}

function firstLine(child: ResultPromise, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new BenchError('internal', `the HTTP front was not ready after ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(buffered.slice(0, newline));
      }
    });
    child.then((result) => {
      clearTimeout(timer);
      reject(new BenchError('internal', `the HTTP front exited (code ${result.exitCode}) before it was ready`));
    }, reject);
  });
}
