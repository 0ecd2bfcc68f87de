/**
 * One container created with stdin open and attached before it starts, so
 * nothing it writes is lost: stdout and stderr come demultiplexed from the
 * attach stream (Tty false), requests go in on stdin, either as one CGI body
 * or as loop-mode frames (runners/wagi.ts).
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { nowNs } from '../../core/clock.ts';
import { BenchError } from '../../core/errors.ts';
import { FrameReader } from '../wagi.ts';
import { STDERR_CAP_BYTES } from '../process/loop-process.ts';
import { removeContainer, trackContainer } from './cleanup.ts';
import { engineError, isConnectionError, type EngineAddress } from './engine.ts';

interface PendingResponse {
  resolve(frame: Buffer): void;
  reject(error: Error): void;
}

/** How a container's output is read: everything until the stream ends, or frame by frame. */
export type OutputMode = 'raw' | 'frames';

/** A created, attached container. */
export class AttachedContainer {
  readonly id: string;
  /** L0: `start` sent until it returned, ns (null until started). */
  startNs: number | null = null;
  /** Resolves when the attach stream ended (the container's stdout and stderr are closed). */
  readonly ended: Promise<void>;
  private readonly docker: Docker;
  private readonly address: EngineAddress;
  private readonly stream: NodeJS.ReadWriteStream;
  private readonly stdoutChunks: Buffer[] = [];
  private readonly reader = new FrameReader();
  private readonly pending: PendingResponse[] = [];
  private stderrText = '';
  private hasEnded = false;
  private removed = false;
  private readonly mode: OutputMode;

  private constructor(docker: Docker, address: EngineAddress, id: string, stream: NodeJS.ReadWriteStream, mode: OutputMode) {
    this.docker = docker;
    this.address = address;
    this.id = id;
    this.stream = stream;
    this.mode = mode;
    const stdout = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.mode === 'raw') this.stdoutChunks.push(chunk);
        else for (const frame of this.reader.push(chunk)) this.pending.shift()?.resolve(frame);
        callback();
      },
    });
    const stderr = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.stderrText.length < STDERR_CAP_BYTES) this.stderrText += chunk.toString('utf8').slice(0, STDERR_CAP_BYTES - this.stderrText.length);
        callback();
      },
    });
    docker.modem.demuxStream(stream, stdout, stderr);
    this.ended = new Promise((resolve) => {
      const finish = (): void => {
        if (this.hasEnded) return;
        this.hasEnded = true;
        for (const waiting of this.pending.splice(0)) {
          waiting.reject(new BenchError('guest', `container ${this.id.slice(0, 12)} closed its output before answering${this.stderrText ? `: ${this.stderrText.trim().split('\n')[0]}` : ''}`));
        }
        resolve();
      };
      stream.on('end', finish);
      stream.on('close', finish);
      stream.on('error', finish);
    });
  }

  /** Creates a container (labelled and tracked for cleanup) and attaches to it. */
  static async create(docker: Docker, address: EngineAddress, options: Docker.ContainerCreateOptions, mode: OutputMode): Promise<AttachedContainer> {
    let container: Docker.Container;
    try {
      container = await docker.createContainer({
        ...options,
        Tty: false,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
      });
    } catch (error) {
      throw isConnectionError(error) ? engineError(address, error) : error;
    }
    trackContainer(container.id, docker, address);
    try {
      const stream = await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
      return new AttachedContainer(docker, address, container.id, stream, mode);
    } catch (error) {
      await removeContainer(container.id).catch(() => undefined);
      throw isConnectionError(error) ? engineError(address, error) : error;
    }
  }

  /** Whether the container's output ended (it exited or was removed). */
  get exited(): boolean {
    return this.hasEnded;
  }

  /** What the container wrote to stderr, capped. */
  get stderr(): string {
    return this.stderrText;
  }

  /** Starts the container and records L0 (start sent until the engine returned). */
  async start(): Promise<number> {
    const startNs = nowNs();
    try {
      await this.docker.getContainer(this.id).start();
    } catch (error) {
      throw isConnectionError(error) ? engineError(this.address, error) : error;
    }
    this.startNs = nowNs() - startNs;
    return this.startNs;
  }

  /**
   * CGI mode: writes the body, closes stdin and resolves with all of stdout
   * once the container closed it. A deadline or an abort removes the container.
   */
  async respondOnce(body: Uint8Array, options: { deadlineMs: number; signal?: AbortSignal }): Promise<Buffer> {
    await this.guard(options, async () => {
      this.stream.end(Buffer.from(body));
      await this.ended;
    });
    return Buffer.concat(this.stdoutChunks);
  }

  /** Loop mode: sends one frame (closing stdin after it with `lastRequest`) and resolves with the response frame. */
  request(frame: Buffer, options: { lastRequest?: boolean; deadlineMs: number; signal?: AbortSignal }): Promise<Buffer> {
    if (this.hasEnded) return Promise.reject(new BenchError('guest', `container ${this.id.slice(0, 12)} already exited`));
    return this.guard(options, () => {
      const response = new Promise<Buffer>((resolve, reject) => this.pending.push({ resolve, reject }));
      if (options.lastRequest) this.stream.end(frame);
      else this.stream.write(frame);
      return response;
    });
  }

  /** The exit status (waits for the container to stop). */
  async exitCode(): Promise<number | null> {
    try {
      const result = (await this.docker.getContainer(this.id).wait()) as { StatusCode?: number };
      return result.StatusCode ?? null;
    } catch {
      return null;
    }
  }

  /** Removes the container (forced); safe to call twice. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    (this.stream as unknown as { destroy?(): void }).destroy?.();
    await removeContainer(this.id);
  }

  /** Runs `operation` under a deadline and an abort signal; either removes the container and rejects. */
  private guard<T>(options: { deadlineMs: number; signal?: AbortSignal }, operation: () => Promise<T>): Promise<T> {
    const { signal } = options;
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        finish();
        void this.remove().catch(() => undefined);
        reject(new BenchError('guest', `no response within ${options.deadlineMs} ms (container removed)`));
      }, options.deadlineMs);
      const onAbort = (): void => {
        finish();
        void this.remove().catch(() => undefined);
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      operation().then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }
}
