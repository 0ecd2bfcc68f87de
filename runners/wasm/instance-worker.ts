/**
 * The main thread's handle on one runner worker: sends it requests one at a
 * time, enforces each request's wall-clock deadline by terminating the worker
 * (the caller then starts a replacement), and turns its replies into
 * outcomes.
 */
import { MessageChannel, Worker, type MessagePort, type Transferable } from 'node:worker_threads';
import { BenchError } from '../../core/errors.ts';
import type { RunOutcome } from './engine.ts';
import type { RunRequest, WarmMessage, WorkerInit, WorkerReply } from './protocol.ts';

const WORKER_URL = new URL('./worker.ts', import.meta.url);

/** The error a request gets when its deadline passes. */
export function deadlineError(deadlineMs: number): BenchError {
  return new BenchError('guest', `deadline exceeded: the guest ran past ${deadlineMs} ms and was stopped (its instance was terminated; the host serves the next request with a new one)`);
}

interface Pending {
  resolve: (outcome: RunOutcome) => void;
  reject: (error: unknown) => void;
}

/** One worker running one module in one lifecycle. */
export class InstanceWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private readonly warmPort: MessagePort | null = null;
  private readonly warmSignal: Int32Array | null = null;
  private nextId = 1;
  private deadReason: unknown = null;

  /** `workerUrl` picks another worker script speaking the same protocol (the jco engine's). */
  constructor(init: Omit<WorkerInit, 'warm'> & { warm?: { args: string[]; env: string[] } }, workerUrl: URL = WORKER_URL) {
    let workerData: WorkerInit;
    const transferList: Transferable[] = [];
    if (init.warm) {
      const channel = new MessageChannel();
      const signal = new SharedArrayBuffer(4);
      workerData = { ...init, warm: { ...init.warm, signal, port: channel.port2 } };
      transferList.push(channel.port2);
      this.warmPort = channel.port1;
      this.warmSignal = new Int32Array(signal);
    } else {
      workerData = init as WorkerInit;
    }
    this.worker = new Worker(workerUrl, { workerData, transferList });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', (reply: WorkerReply) => (reply.type === 'ready' ? resolve() : reject(new Error(`worker said ${reply.type} first`))));
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`runner worker exited with code ${code} before it was ready`)));
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    this.worker.on('error', (error) => this.fail(new BenchError('internal', `runner worker failed: ${(error as Error).message}`, { cause: error })));
    this.worker.on('exit', () => this.fail(new BenchError('internal', 'runner worker exited')));
  }

  /** Resolves once the worker is up (pre-warmed: its first instances are made). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** False once the worker was terminated or failed: the owner replaces it. */
  get alive(): boolean {
    return this.deadReason === null;
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'ready') return;
    if (reply.type === 'exited') {
      if (reply.id !== null) this.settle(reply.id, reply);
      this.fail(new BenchError('guest', `the warm instance exited (${reply.trap ?? `exit code ${reply.exitCode}`})`));
      return;
    }
    this.settle(reply.id, reply);
  }

  private settle(id: number, outcome: RunOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.resolve(outcome);
  }

  private fail(reason: unknown): void {
    if (this.deadReason === null) this.deadReason = reason;
    for (const entry of this.pending.values()) entry.reject(this.deadReason);
    this.pending.clear();
  }

  /**
   * Sends one request and waits for its outcome, at most `deadlineMs`: past
   * it (or on abort) the worker is terminated and the promise rejects.
   */
  async send(request: Omit<RunRequest, 'id'> | { frame: Uint8Array }, deadlineMs: number, signal?: AbortSignal): Promise<RunOutcome> {
    if (!this.alive) throw this.deadReason;
    signal?.throwIfAborted();
    await this.ready;
    const id = this.nextId++;
    return new Promise<RunOutcome>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason);
        this.terminate(signal?.reason);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (outcome) => {
          cleanup();
          resolve(outcome);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      });
      timer = setTimeout(() => {
        const error = deadlineError(deadlineMs);
        cleanup();
        reject(error);
        this.terminate(error);
      }, deadlineMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      if ('frame' in request) {
        (this.warmPort as MessagePort).postMessage({ type: 'frame', id, frame: request.frame } satisfies WarmMessage);
        const flag = this.warmSignal as Int32Array;
        Atomics.add(flag, 0, 1);
        Atomics.notify(flag, 0);
      } else {
        this.worker.postMessage({ id, ...request } satisfies RunRequest);
      }
    });
  }

  /** Stops the worker at once (deadline, abort or close). */
  terminate(reason: unknown = new BenchError('internal', 'runner worker closed')): void {
    this.fail(reason);
    this.warmPort?.close();
    void this.worker.terminate();
  }

  /** Ends a warm instance's input (so it exits by itself) and stops the worker. */
  async close(): Promise<void> {
    if (this.warmPort && this.alive) {
      this.warmPort.postMessage({ type: 'end' } satisfies WarmMessage);
      const flag = this.warmSignal as Int32Array;
      Atomics.add(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
    this.fail(new BenchError('internal', 'runner worker closed'));
    await this.worker.terminate();
  }
}

/** Resolves with a worker-backed cell once its first worker is up; closes it and rethrows if the worker cannot start. */
export async function readyCell<T extends { whenReady(): Promise<void>; close(): Promise<void> }>(cell: T): Promise<T> {
  try {
    await cell.whenReady();
  } catch (error) {
    await cell.close();
    throw error;
  }
  return cell;
}

/**
 * A cell's worker: requests run one at a time, and a worker that died (a
 * deadline, an abort, a trap in a warm instance) is replaced at once, so the
 * next request does not wait for the replacement to start.
 */
export class ReplacingWorker {
  private worker: InstanceWorker;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly spawn: () => InstanceWorker;

  constructor(spawn: () => InstanceWorker) {
    this.spawn = spawn;
    this.worker = spawn();
  }

  /** Waits until the first worker is up. */
  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  /** Queues one request behind the others. */
  send(request: Omit<RunRequest, 'id'> | { frame: Uint8Array }, deadlineMs: number, signal?: AbortSignal): Promise<RunOutcome> {
    const run = async (): Promise<RunOutcome> => {
      if (this.closed) throw new BenchError('internal', 'the cell is closed');
      if (!this.worker.alive) this.worker = this.spawn();
      try {
        return await this.worker.send(request, deadlineMs, signal);
      } finally {
        if (!this.worker.alive && !this.closed) this.worker = this.spawn();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.close();
  }
}
