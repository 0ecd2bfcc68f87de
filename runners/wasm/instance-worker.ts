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

/** A request sent to a worker and not yet answered. */
interface Pending {
  id: number;
  request: Omit<RunRequest, 'id'> | { frame: Uint8Array };
  deadlineMs: number;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  resolve: (outcome: RunOutcome) => void;
  reject: (error: unknown) => void;
  /** Its owner sends it again to a replacement when this worker dies before starting it (ReplacingWorker); otherwise it fails with the worker. */
  resend: boolean;
  /** Its caller gave up while it waited: it stays in the line (the worker will still run it, under its own deadline) but settles no one. */
  abandoned?: boolean;
}

/** What a caller hands over to have a request sent. */
export type Sendable = Omit<Pending, 'id' | 'onAbort' | 'abandoned'>;

/**
 * One worker running one module in one lifecycle. Requests are pipelined:
 * each is posted as soon as it is sent, the worker runs them one at a time in
 * order, and only the request at the head of the line runs. Why: a worker
 * that waits for the main thread between two requests sits idle for a
 * thread hop per request, which caps a cell at one request per round trip.
 * The head's deadline starts when it becomes the head (when the worker
 * starts it); past it the worker is terminated, and the requests behind it,
 * which never started, are handed to the owner to send again.
 */
export class InstanceWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  /** Sent requests, oldest (running) first. */
  private readonly line: Pending[] = [];
  private readonly warmPort: MessagePort | null = null;
  private readonly warmSignal: Int32Array | null = null;
  private nextId = 1;
  private deadReason: unknown = null;
  private headTimer: NodeJS.Timeout | undefined;
  /** The duration the head timer was made with (a refresh re-arms it for that long). */
  private headTimerMs = -1;
  /** When the head of the line started, performance.now() ms. */
  private headStartedMs = 0;
  /** Requests behind a head that failed (never started): the owner sends them again. */
  private orphaned: Pending[] = [];

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

  /** Requests in flight (the running one and those waiting behind it). */
  get inFlight(): number {
    return this.line.length;
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
    if (this.line[0]?.id !== id) return;
    // The worker answers in order: the reply is the head's.
    const entry = this.line.shift() as Pending;
    this.release(entry);
    this.armHead();
    if (!entry.abandoned) entry.resolve(outcome);
  }

  private release(entry: Pending): void {
    entry.signal?.removeEventListener('abort', entry.onAbort);
  }

  /**
   * Starts the deadline of the request now at the head of the line. Why one
   * timer, refreshed: a timer made and cleared per request costs the caller's
   * thread about a microsecond and a half, a `refresh()` of the same one does
   * not allocate; a timer that fires for a head that has since changed re-arms
   * itself for what is left of the new head's deadline.
   */
  private armHead(): void {
    const head = this.line[0];
    if (!head || !this.alive) return;
    this.headStartedMs = performance.now();
    if (this.headTimer && this.headTimerMs === head.deadlineMs) {
      this.headTimer.refresh();
      return;
    }
    clearTimeout(this.headTimer);
    this.headTimerMs = head.deadlineMs;
    // Unref'd: it may stay armed after the last request, and the running worker keeps the process alive while a request is in flight.
    this.headTimer = setTimeout(() => this.onHeadTimer(), head.deadlineMs).unref();
  }

  private onHeadTimer(): void {
    const head = this.line[0];
    if (!head || !this.alive) return;
    const leftMs = head.deadlineMs - (performance.now() - this.headStartedMs);
    if (leftMs > 0) {
      clearTimeout(this.headTimer);
      this.headTimerMs = -1;
      this.headTimer = setTimeout(() => this.onHeadTimer(), leftMs).unref();
      return;
    }
    this.terminate(deadlineError(head.deadlineMs));
  }

  private fail(reason: unknown): void {
    if (this.deadReason === null) this.deadReason = reason;
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    // Why only the head: the worker runs one request at a time, so the others never started and can be run by a replacement.
    const head = this.line.shift();
    for (const entry of this.line.splice(0)) {
      this.release(entry);
      if (entry.abandoned) continue;
      if (entry.resend) this.orphaned.push(entry);
      else entry.reject(this.deadReason);
    }
    if (head) {
      this.release(head);
      if (!head.abandoned) head.reject(this.deadReason);
    }
  }

  /** Takes the requests that never started on this (dead) worker, to send them to its replacement. */
  takeOrphaned(): Pending[] {
    return this.orphaned.splice(0);
  }

  /**
   * Sends one request and waits for its outcome, at most `deadlineMs` once it
   * runs: past it (or on abort while it runs) the worker is terminated and
   * the promise rejects. A request aborted while it waits is dropped.
   */
  async send(request: Omit<RunRequest, 'id'> | { frame: Uint8Array }, deadlineMs: number, signal?: AbortSignal): Promise<RunOutcome> {
    if (!this.alive) throw this.deadReason;
    signal?.throwIfAborted();
    await this.ready;
    return new Promise<RunOutcome>((resolve, reject) => this.enqueue({ request, deadlineMs, signal, resolve, reject, resend: false }));
  }

  /** Posts a request (new, or one that a dead worker never started) and puts it in the line. */
  enqueue(entry: Sendable): void {
    if (!this.alive) {
      entry.reject(this.deadReason);
      return;
    }
    if (entry.signal?.aborted) {
      entry.reject(entry.signal.reason);
      return;
    }
    const pending: Pending = {
      ...entry,
      id: this.nextId++,
      onAbort: () => {
        if (this.line[0] === pending) {
          this.terminate(entry.signal?.reason);
          return;
        }
        // Already posted: the worker will run it, under its own deadline when its turn comes, and its answer is dropped.
        pending.abandoned = true;
        this.release(pending);
        entry.reject(entry.signal?.reason);
      },
    };
    pending.signal?.addEventListener('abort', pending.onAbort, { once: true });
    this.line.push(pending);
    if (this.line.length === 1) this.armHead();
    if ('frame' in entry.request) {
      (this.warmPort as MessagePort).postMessage({ type: 'frame', id: pending.id, frame: entry.request.frame } satisfies WarmMessage);
      const flag = this.warmSignal as Int32Array;
      Atomics.add(flag, 0, 1);
      Atomics.notify(flag, 0);
    } else {
      this.worker.postMessage({ id: pending.id, ...entry.request } satisfies RunRequest);
    }
  }

  /** Stops the worker at once (deadline, abort or close): the running request fails with `reason`, the others wait for a replacement. */
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
    for (const entry of this.takeOrphaned()) entry.reject(this.deadReason);
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
 * A cell's worker: requests are pipelined to it and run one at a time, and a
 * worker that died (a deadline, an abort, a trap in a warm instance) is
 * replaced at once; the requests that were waiting behind the one that
 * failed go to the replacement, so they do not wait for its start in vain.
 */
export class ReplacingWorker {
  private worker: InstanceWorker;
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

  /** The current worker, replaced (with the requests it never started) when it died. */
  private current(): InstanceWorker {
    if (!this.worker.alive) {
      const orphaned = this.worker.takeOrphaned();
      this.worker = this.spawn();
      const replacement = this.worker;
      if (orphaned.length) {
        replacement.whenReady().then(
          () => {
            for (const entry of orphaned) this.route(entry);
          },
          (error: unknown) => {
            for (const entry of orphaned) entry.reject(error);
          },
        );
      }
    }
    return this.worker;
  }

  private route(entry: Sendable): void {
    if (this.closed) {
      entry.reject(new BenchError('internal', 'the cell is closed'));
      return;
    }
    this.current().enqueue({
      ...entry,
      reject: (error) => {
        // A request that never started on a worker that died is sent again; the one that ran gets the error.
        if (!this.closed && !this.worker.alive) void this.current();
        entry.reject(error);
      },
    });
  }

  /** Sends one request behind the others. */
  async send(request: Omit<RunRequest, 'id'> | { frame: Uint8Array }, deadlineMs: number, signal?: AbortSignal): Promise<RunOutcome> {
    if (this.closed) throw new BenchError('internal', 'the cell is closed');
    signal?.throwIfAborted();
    const worker = this.current();
    await worker.whenReady();
    return new Promise<RunOutcome>((resolve, reject) => this.route({ request, deadlineMs, signal, resolve, reject, resend: true }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.close();
  }
}
