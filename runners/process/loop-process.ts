/**
 * One OS process speaking the loop-mode protocol of runners/wagi.ts: request
 * frames in on stdin, response frames out on stdout, in order. A pre-warmed
 * slot sends one frame and closes stdin (the process answers and exits); a
 * warm worker keeps it open and answers many. Each process leads a process
 * group of its own, so that a kill (deadline, abort, close) ends everything
 * it started, and whatever it left in its group is killed when it exits.
 */
import { execa, type ResultPromise } from 'execa';
import { nowNs } from '../../core/clock.ts';
import { BenchError } from '../../core/errors.ts';
import { HAS_PROCESS_GROUPS, killProcessGroup, killProcessTree, ownProcessGroup } from '../../core/proc.ts';
import { FrameReader } from '../wagi.ts';

/** What to spawn. */
export interface SpawnSpec {
  file: string;
  args: readonly string[];
  /** The whole environment of the process (the host's is not inherited). */
  env: Record<string, string>;
  /** Working directory (a temporary one of the cell, never the checkout). */
  cwd: string;
}

/** Bytes of stderr kept for diagnostics. */
export const STDERR_CAP_BYTES = 4096;

interface PendingResponse {
  resolve(frame: Buffer): void;
  reject(error: Error): void;
}

/** A spawned loop-mode process with a FIFO of requests waiting for their response frame. */
export class LoopProcess {
  /** L0: spawn() called until the OS reported the process running, ns (null until then). */
  spawnNs: number | null = null;
  readonly started: Promise<void>;
  readonly closed: Promise<number | null>;
  exitCode: number | null = null;
  private stderrText = '';
  private hasClosed = false;
  private killed = false;
  private readonly reader = new FrameReader();
  private readonly pending: PendingResponse[] = [];
  private readonly subprocess: ResultPromise<{ stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; buffer: false; reject: false; extendEnv: false }>;

  constructor(spec: SpawnSpec) {
    const startNs = nowNs();
    this.subprocess = execa(spec.file, spec.args, {
      env: spec.env,
      extendEnv: false,
      cwd: spec.cwd,
      // Why a group of its own: a kill then reaches every process the guest started (core/proc.ts).
      detached: HAS_PROCESS_GROUPS,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
    });
    this.started = new Promise((resolve, reject) => {
      this.subprocess.nodeChildProcess.once('spawn', () => {
        this.spawnNs = nowNs() - startNs;
        const pid = this.subprocess.pid;
        if (pid !== undefined) {
          ownProcessGroup(pid);
          // Why at exit, not at close: a descendant holding stdout open would keep the pipes, and so `closed`, open for ever.
          this.subprocess.nodeChildProcess.once('exit', () => killProcessGroup(pid));
        }
        resolve();
      });
      this.subprocess.nodeChildProcess.once('error', (error: Error) => reject(new BenchError('unavailable', `cannot spawn ${spec.file}: ${error.message}`, { cause: error })));
    });
    this.started.catch(() => undefined);
    this.subprocess.stdout.on('data', (chunk: Buffer) => {
      for (const frame of this.reader.push(chunk)) this.pending.shift()?.resolve(frame);
    });
    this.subprocess.stderr.on('data', (chunk: Buffer) => {
      if (this.stderrText.length < STDERR_CAP_BYTES) this.stderrText += chunk.toString('utf8').slice(0, STDERR_CAP_BYTES - this.stderrText.length);
    });
    // A closed stdin (the process exited) must not surface as an unhandled error.
    this.subprocess.stdin.on('error', () => undefined);
    this.closed = this.subprocess.then((result) => {
      this.hasClosed = true;
      this.exitCode = result.exitCode ?? null;
      const why = result.signal ? `killed by ${result.signal}` : `exited with status ${result.exitCode}`;
      for (const waiting of this.pending.splice(0)) {
        waiting.reject(new BenchError('guest', `process ${why} before answering${this.stderrText ? `: ${this.stderrText.trim().split('\n')[0]}` : ''}`));
      }
      return this.exitCode;
    });
  }

  /** Process id (undefined when spawning failed). */
  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** Whether the process has exited (or is being killed) and can take no request. */
  get exited(): boolean {
    return this.hasClosed || this.killed;
  }

  /** What the process wrote to stderr, capped. */
  get stderr(): string {
    return this.stderrText;
  }

  /**
   * Sends one request frame and resolves with its response frame. With
   * `lastRequest`, stdin is closed after the frame so the process exits once it
   * has answered. A deadline or an abort kills the process.
   */
  request(frame: Buffer, options: { lastRequest?: boolean; deadlineMs: number; signal?: AbortSignal }): Promise<Buffer> {
    if (this.exited) return Promise.reject(new BenchError('guest', `process already exited (status ${this.exitCode})`));
    return new Promise<Buffer>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        this.kill();
        reject(new BenchError('guest', `no response within ${options.deadlineMs} ms (process killed)`));
      }, options.deadlineMs);
      const onAbort = (): void => {
        finish();
        this.kill();
        reject(options.signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.push({
        resolve: (response) => {
          finish();
          resolve(response);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      });
      this.subprocess.stdin.write(frame);
      if (options.lastRequest) this.subprocess.stdin.end();
    });
  }

  /** Kills the process and everything it started at once (SIGKILL: a waiting slot holds no state worth a graceful stop). */
  kill(): void {
    if (this.hasClosed) return;
    this.killed = true;
    if (this.subprocess.pid === undefined) return;
    killProcessTree(this.subprocess.pid, { group: HAS_PROCESS_GROUPS });
  }

  /** Closes stdin (loop mode ends with status 0) and waits for the exit; kills it after `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    if (this.hasClosed) return;
    this.subprocess.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.closed;
    clearTimeout(timer);
  }
}
