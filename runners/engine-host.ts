/**
 * The client side of an external engine host: a long-lived program (the
 * Wasmtime host on the `wasmtime` Python package, the wazero Go host) that
 * compiles modules once and runs requests on them, driven over its
 * stdin/stdout. Shared by the `wasm-wasmtime` and `wasm-wazero` runners.
 *
 * The protocol reuses the u32le-length framing of runners/wagi.ts. Every
 * message, in both directions, is
 * `u32le headerBytes, header (JSON, UTF-8), u32le payloadBytes, payload`.
 * The host first sends a hello header (`{ok, engine, config}`), then answers
 * each request in order with one message:
 * - `{op: "load", app, path?, useCache?}`, payload = module bytes when no
 *   path: compiles (or deserializes) and keeps the module under `app`;
 *   `useCache: false` compiles from the bytes and neither reads nor writes
 *   the host's on-disk artifact cache. Answer `{ok, compileNs, detail}`.
 * - `{op: "invoke", app, args, env, dirs, deadlineMs}`, payload = stdin: a
 *   FRESH instance runs `_start` with exactly these grants. Answer
 *   `{ok, exitCode, trap, instantiateNs, invokeNs, stdoutTruncated, stderr}`,
 *   payload = stdout.
 * - `{op: "warm", app, args, env, dirs, deadlineMs}`, payload = one loop-mode
 *   request frame: the host's one loop-mode instance (started on first use,
 *   restarted after a trap) answers it. Same answer, payload = the response
 *   frame's content.
 * Failures the host can describe come back as `{ok: false, error}`.
 * Timings are the host's own monotonic clock, so they exclude the pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { BenchError } from '../core/errors.ts';
import { killProcessTree } from '../core/proc.ts';
import type { DirGrant, InvokeResult } from './types.ts';
import { MalformedResponseError, parseCgiResponse } from './wagi.ts';

/** A header from the host. */
export type HostAnswer = Record<string, unknown> & { ok: boolean; error?: string };

/** One message from the host. */
export interface HostMessage {
  header: HostAnswer;
  payload: Buffer;
}

/** How to start a host. */
export interface EngineHostOptions {
  command: string;
  args: readonly string[];
  /** Names the host in errors, e.g. `wasmtime host`. */
  label: string;
  /** Time allowed for the hello message, ms. @default 30000 */
  startTimeoutMs?: number;
}

/** Grace past a request's own deadline before the host itself is presumed stuck and killed, ms. */
const HOST_GRACE_MS = 5000;

/** Bytes of host stderr kept for error messages. */
const STDERR_TAIL_BYTES = 2000;

/** Encodes one protocol message. */
export function encodeHostMessage(header: Record<string, unknown>, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const message = Buffer.allocUnsafe(8 + json.length + payload.length);
  message.writeUInt32LE(json.length, 0);
  json.copy(message, 4);
  message.writeUInt32LE(payload.length, 4 + json.length);
  message.set(payload, 8 + json.length);
  return message;
}

/** Splits a protocol byte stream (the host's stdout, or a host's stdin) into messages. */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): HostMessage[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const messages: HostMessage[] = [];
    for (;;) {
      if (this.pending.length < 4) break;
      const headerBytes = this.pending.readUInt32LE(0);
      if (this.pending.length < 8 + headerBytes) break;
      const payloadBytes = this.pending.readUInt32LE(4 + headerBytes);
      const end = 8 + headerBytes + payloadBytes;
      if (this.pending.length < end) break;
      const header = JSON.parse(this.pending.subarray(4, 4 + headerBytes).toString('utf8')) as HostAnswer;
      messages.push({ header, payload: Buffer.from(this.pending.subarray(8 + headerBytes, end)) });
      this.pending = this.pending.subarray(end);
    }
    return messages;
  }
}

interface Pending {
  resolve: (message: HostMessage) => void;
  reject: (error: Error) => void;
}

/**
 * A running engine host. Requests are answered in order; a request that
 * outlives its deadline by {@link HOST_GRACE_MS} kills the host (the engine's
 * own deadline should have stopped the guest long before).
 */
export class EngineHost {
  readonly label: string;
  /** What the host said it runs, from its hello message. */
  engine = '';
  private readonly child: ChildProcess;
  private readonly reader = new MessageReader();
  private readonly waiting: Pending[] = [];
  private stderrTail = '';
  private exited: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: EngineHostOptions) {
    this.label = options.label;
    this.child = spawn(options.command, [...options.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      let messages: HostMessage[];
      try {
        messages = this.reader.push(chunk);
      } catch (error) {
        this.fail(`${this.label} sent an unreadable message: ${(error as Error).message}`);
        return;
      }
      for (const message of messages) this.waiting.shift()?.resolve(message);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    this.child.stdin?.on('error', () => undefined);
    this.child.on('error', (error) => this.fail(`${this.label} could not start: ${error.message}`));
    this.child.on('exit', (code, signalName) => this.fail(`${this.label} exited (${signalName ?? `code ${code}`})`));
  }

  /** Starts a host and waits for its hello message. */
  static async start(options: EngineHostOptions, signal?: AbortSignal): Promise<EngineHost> {
    signal?.throwIfAborted();
    const host = new EngineHost(options);
    try {
      const hello = await host.next(options.startTimeoutMs ?? 30_000, signal);
      if (!hello.header.ok) throw new BenchError('unavailable', `${options.label} did not start: ${hello.header.error ?? 'no reason given'}`);
      host.engine = String(hello.header['engine'] ?? '');
      return host;
    } catch (error) {
      host.kill();
      throw error;
    }
  }

  /** Process id of the host (for resident-memory sampling). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a request and waits for its answer; `{ok: false}` answers reject with the host's error. */
  request(header: Record<string, unknown>, payload: Uint8Array | undefined, timeoutMs: number, signal?: AbortSignal): Promise<HostMessage> {
    const run = async (): Promise<HostMessage> => {
      signal?.throwIfAborted();
      if (this.exited) throw new BenchError('internal', this.exited);
      const answer = this.next(timeoutMs + HOST_GRACE_MS, signal);
      this.child.stdin?.write(encodeHostMessage(header, payload));
      const message = await answer;
      if (!message.header.ok) throw new BenchError('guest', `${this.label}: ${message.header.error ?? 'failed'}`);
      return message;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Whether the host is still running. */
  get alive(): boolean {
    return this.exited === null;
  }

  /** Ends the host: closes its stdin, then kills it if it lingers. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.kill(), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** Kills the host at once, with every process it started (the spawn host's guests lead groups of their own). */
  kill(): void {
    if (this.exited !== null || this.child.pid === undefined) return;
    killProcessTree(this.child.pid, { group: false });
  }

  private next(timeoutMs: number, signal?: AbortSignal): Promise<HostMessage> {
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const pending: Pending = {
        resolve: (message) => {
          cleanup();
          resolve(message);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.kill();
        pending.reject(new BenchError('guest', `${this.label} did not answer within ${timeoutMs} ms and was killed`));
      }, timeoutMs);
      const onAbort = (): void => {
        this.kill();
        pending.reject(signal?.reason instanceof Error ? signal.reason : new BenchError('aborted', 'interrupted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.exited) pending.reject(new BenchError('internal', this.exited));
      else this.waiting.push(pending);
    });
  }

  private fail(message: string): void {
    if (this.exited) return;
    const tail = this.stderrTail.trim().split('\n').filter((line) => line.trim() !== '').slice(-1)[0];
    this.exited = tail ? `${message}: ${tail}` : message;
    for (const pending of this.waiting.splice(0)) pending.reject(new BenchError('internal', this.exited));
  }
}

/** The grants of a request as the hosts take them. */
export function dirsForHost(dirs: readonly DirGrant[] | undefined): { hostPath: string; guestPath: string; writable: boolean }[] {
  return (dirs ?? []).map((grant) => ({ hostPath: grant.hostPath, guestPath: grant.guestPath, writable: grant.writable ?? false }));
}

/** Turns a host's invoke/warm answer into an InvokeResult; traps, deadlines and unparsable output are guest errors. */
export function hostInvokeResult(label: string, message: HostMessage): InvokeResult {
  const { header, payload } = message;
  const stderr = typeof header['stderr'] === 'string' ? header['stderr'] : '';
  const exitCode = typeof header['exitCode'] === 'number' ? header['exitCode'] : null;
  if (typeof header['trap'] === 'string' && header['trap'] !== '') throw new BenchError('guest', `${label}: ${header['trap']}`);
  try {
    return {
      response: parseCgiResponse(payload),
      instantiateNs: typeof header['instantiateNs'] === 'number' ? header['instantiateNs'] : null,
      invokeNs: Number(header['invokeNs']),
      exitCode,
      stderr,
    };
  } catch (error) {
    if (error instanceof MalformedResponseError) {
      throw new BenchError('guest', `${label}: malformed response (exit code ${exitCode}): ${error.message}${stderr ? `; stderr: ${stderr.split('\n')[0]}` : ''}`);
    }
    throw error;
  }
}
