/**
 * The OS-process column of the matrix, in two flavours: `process` runs the
 * static native build of the workload, `process-node` runs the same handler
 * ported to JavaScript in Node processes (what many serverless platforms keep
 * warm). Cold spawns one process per request (CGI); pre-warmed keeps a pool of
 * spawned processes waiting on stdin, each used once; warm keeps one
 * long-lived worker in loop mode. Every process of a cell runs in the cell's
 * working directory (a temporary one unless the spec names one, never the
 * checkout) and leads a process group of its own, so that a deadline, an
 * abort or the cell's close kills it with everything it started.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeToolchain } from '../../fixtures/native.ts';
import { nowNs } from '../../core/clock.ts';
import { EngineHost } from '../engine-host.ts';
import { BenchError } from '../../core/errors.ts';
import type { Workload } from '../../fixtures/manifest.ts';
import type { Availability, Cell, CellSpec, IdleCost, InvokeResult, Lifecycle, Preparation, Runner, WorkloadRequest } from '../types.ts';
import { BASIC_LIFECYCLES } from '../types.ts';
import { cgiEnvironment, encodeRequestFrame, LOOP_ARG, MalformedResponseError, parseCgiResponse } from '../wagi.ts';
import { processIdleCost, waitUntilIdle } from './idle-cost.ts';
import { LoopProcess, STDERR_CAP_BYTES, type SpawnSpec } from './loop-process.ts';
import { fixturesNativeBinary, type NativeBinarySource } from './native-binary.ts';
import { SingleUsePool, type PoolSlot, type PoolStats } from './pool.ts';
import { hasNodeHandler, nodeHandlerNames } from './handlers.ts';

/** Which program the processes run. */
export type ProcessFlavour = 'native' | 'node';

/** Options of {@link createProcessRunner}. */
export interface ProcessRunnerOptions {
  /** @default 'native' */
  flavour?: ProcessFlavour;
  /** Where native builds come from. @default fixturesNativeBinary */
  nativeBinary?: NativeBinarySource;
}

/** A process cell; pre-warmed cells also report their pool. */
export interface ProcessCell extends Cell {
  /** Pool size, refill policy and what the pool did (pre-warmed lifecycle only). */
  poolStats?(): PoolStats;
  /** Process ids the cell holds now, for cleanup checks. */
  pids(): number[];
}

/** Pre-warmed slots kept waiting. @default 4 */
export const DEFAULT_POOL_SIZE = 4;
/** Deadline of one request. @default 10000 */
export const DEFAULT_DEADLINE_MS = 10_000;

const PROCESS_DIR = path.dirname(fileURLToPath(import.meta.url));
/** The entry script of `process-node` processes. */
const NODE_HANDLER_PATH = path.join(PROCESS_DIR, 'node-handler.ts');
/** The spawner of cold cells. */
const SPAWN_HOST_PATH = path.join(PROCESS_DIR, 'spawn-host.ts');

/** How to start one process of a workload, cold (CGI) or in loop mode. */
interface Program {
  file: string;
  args(loop: boolean): string[];
  /** Bytes deployed (binary or JS handler). */
  artifactBytes: number;
  detail: string;
}

/** Creates the `process` (native) or `process-node` runner. */
export function createProcessRunner(options: ProcessRunnerOptions = {}): Runner {
  const flavour = options.flavour ?? 'native';
  const nativeBinary = options.nativeBinary ?? fixturesNativeBinary;

  const program = async (workload: Workload, signal?: AbortSignal): Promise<Program> => {
    if (flavour === 'node') {
      if (!hasNodeHandler(workload.name)) {
        throw new BenchError('unavailable', `workload ${workload.name} has no JavaScript port (ported: ${nodeHandlerNames().join(', ')})`);
      }
      const artifactBytes = ['node-handler.ts', 'handlers.ts'].reduce((sum, file) => sum + fs.statSync(path.join(PROCESS_DIR, file)).size, 0);
      return {
        file: process.execPath,
        args: (loop) => ['--disable-warning=ExperimentalWarning', NODE_HANDLER_PATH, workload.name, ...(loop ? [LOOP_ARG] : [])],
        artifactBytes,
        detail: `node ${process.version} running the JavaScript port of ${workload.name} (${artifactBytes} bytes of handler source)`,
      };
    }
    const binary = await nativeBinary(workload, signal);
    return {
      file: binary.path,
      args: (loop) => (loop ? [LOOP_ARG] : []),
      artifactBytes: binary.bytes,
      detail: `${binary.flavour} native binary (${binary.libc}), ${binary.bytes} bytes, built by ${binary.compiler}`,
    };
  };

  return {
    name: flavour === 'node' ? 'process-node' : 'process',
    description:
      flavour === 'node'
        ? 'Node.js processes running the handler ported to JavaScript: spawned per request, pre-warmed pool, or long-lived worker'
        : 'OS processes running the static native build: spawned per request (CGI), pre-warmed pool, or long-lived worker',
    configurations: ['default'],
    lifecycles: BASIC_LIFECYCLES,

    async availability(signal?: AbortSignal): Promise<Availability> {
      if (flavour === 'node') return { status: 'available', detail: `node ${process.version} (${process.execPath})` };
      // Why a toolchain check: native builds are made on demand; without a compiler that links statically no cell can run.
      signal?.throwIfAborted();
      const toolchain = await nativeToolchain('glibc-static');
      return toolchain.available ? { status: 'available', detail: `static native builds by ${toolchain.compiler}` } : { status: 'unavailable', reason: toolchain.reason };
    },

    async prepare(workload: Workload, _config: string, signal?: AbortSignal): Promise<Preparation> {
      const startNs = nowNs();
      const prepared = await program(workload, signal);
      return { firstLoadNs: nowNs() - startNs, artifactBytes: prepared.artifactBytes, detail: `${prepared.detail} (time includes the build cache lookup)` };
    },

    async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
      if (spec.config !== undefined && spec.config !== 'default') throw new BenchError('usage', `runner ${this.name} has no configuration "${spec.config}" (has: default)`);
      const prepared = await program(spec.workload, signal);
      // Why a working directory of the cell: a guest that writes a relative path must not write into the checkout.
      const workDir = spec.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-cell-'));
      const context: CellContext = {
        runner: this.name,
        workload: spec.workload.name,
        program: prepared,
        extraEnv: spec.env ?? {},
        deadlineMs: spec.deadlineMs ?? DEFAULT_DEADLINE_MS,
        workDir,
      };
      const cell = openCell(spec.lifecycle, context, spec.poolSize ?? DEFAULT_POOL_SIZE);
      const close = cell.close.bind(cell);
      cell.close = async () => {
        await close();
        if (spec.workDir === undefined) fs.rmSync(workDir, { recursive: true, force: true });
      };
      try {
        await cell.opened(signal);
      } catch (error) {
        await cell.close();
        throw error;
      }
      return cell;
    },
  };
}

interface CellContext {
  runner: string;
  workload: string;
  program: Program;
  extraEnv: Record<string, string>;
  deadlineMs: number;
  /** Working directory of every process of the cell. */
  workDir: string;
}

type OpeningCell = ProcessCell & { opened(signal?: AbortSignal): Promise<void> };

function openCell(lifecycle: Lifecycle, context: CellContext, poolSize: number): OpeningCell {
  if (lifecycle === 'cold') return coldCell(context);
  if (lifecycle === 'prewarmed') return prewarmedCell(context, poolSize);
  return warmCell(context);
}

function cellBase(context: CellContext, lifecycle: Lifecycle): Pick<Cell, 'runner' | 'config' | 'lifecycle' | 'workload'> {
  return { runner: context.runner, config: 'default', lifecycle, workload: context.workload };
}

function loopSpawnSpec(context: CellContext): SpawnSpec {
  return { file: context.program.file, args: context.program.args(true), env: context.extraEnv, cwd: context.workDir };
}

/** Parses a response, turning malformed output into a guest error that names the process's stderr. */
function parseResponse(raw: Uint8Array, stderr: string, exitCode: number | null): InvokeResult['response'] {
  try {
    return parseCgiResponse(raw);
  } catch (error) {
    if (!(error instanceof MalformedResponseError)) throw error;
    const why = stderr.trim().split('\n')[0];
    throw new BenchError('guest', `malformed response (exit status ${exitCode}): ${error.message}${why ? `; stderr: ${why}` : ''}`, { cause: error });
  }
}

/**
 * Cold: one process per request, CGI environment and body on stdin, reaped
 * before the result. The spawning is done, and timed, by a small spawn host
 * (spawn-host.ts), so that the bench process's own size does not slow the fork.
 */
function coldCell(context: CellContext): OpeningCell {
  let host: EngineHost | undefined;
  return {
    ...cellBase(context, 'cold'),
    async opened(signal?: AbortSignal) {
      host = await EngineHost.start({ command: process.execPath, args: [SPAWN_HOST_PATH], label: 'spawn host' }, signal);
      await host.request({ op: 'load', app: context.workload, path: context.program.file, args: context.program.args(false), cwd: context.workDir }, undefined, 10_000, signal);
    },
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      if (!host?.alive) throw new BenchError('internal', 'the cold cell is closed');
      const env = { ...context.extraEnv, ...cgiEnvironment(request) };
      const message = await host.request({ op: 'invoke', app: context.workload, env, deadlineMs: context.deadlineMs }, request.body, context.deadlineMs, signal);
      const { header, payload } = message;
      const stderr = String(header['stderr'] ?? '');
      const exitCode = typeof header['exitCode'] === 'number' ? header['exitCode'] : null;
      if (header['trap']) throw new BenchError('guest', String(header['trap']));
      return {
        response: parseResponse(payload, stderr, exitCode),
        instantiateNs: typeof header['instantiateNs'] === 'number' ? header['instantiateNs'] : null,
        invokeNs: Number(header['invokeNs']),
        exitCode,
        stderr,
      };
    },
    async idleCost(): Promise<IdleCost> {
      return { slots: 0, rssBytes: 0, cpuCores: 0, method: 'cold lifecycle keeps nothing waiting' };
    },
    pids: () => (host?.alive && host.pid !== undefined ? [host.pid] : []),
    async close() {
      await host?.close();
    },
  };
}

/** A pre-warmed process: spawned in loop mode, ready once it sits idle on stdin. */
class ProcessSlot implements PoolSlot {
  readonly process: LoopProcess;
  readonly ready: Promise<void>;
  readonly usable: Promise<void>;

  constructor(spec: SpawnSpec) {
    this.process = new LoopProcess(spec);
    this.usable = this.process.started;
    this.ready = this.process.started.then(() => waitUntilIdle(this.process.pid ?? -1));
  }

  get dead(): boolean {
    return this.process.exited;
  }

  async discard(): Promise<void> {
    this.process.kill();
    await this.process.closed;
  }
}

/** Pre-warmed: a pool of spawned processes waiting on stdin, each answers one frame and exits. */
function prewarmedCell(context: CellContext, poolSize: number): OpeningCell {
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new BenchError('usage', `pool size must be a positive integer, got ${poolSize}`);
  const pool = new SingleUsePool(poolSize, () => new ProcessSlot(loopSpawnSpec(context)));
  return {
    ...cellBase(context, 'prewarmed'),
    opened: () => pool.filled(),
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      const frame = encodeRequestFrame(request, context.extraEnv);
      // Why the clock starts before take: a request that finds no slot ready waits for one, and that wait is its latency.
      const startNs = nowNs();
      return pool.use(async (slot) => {
        const raw = await slot.process.request(frame, { lastRequest: true, deadlineMs: context.deadlineMs, signal });
        // Why stop the clock at the response: a pre-warmed platform reaps the slot off the request path, with the refill.
        const invokeNs = nowNs() - startNs;
        const exitCode = await slot.process.closed;
        const stderr = slot.process.stderr;
        return { response: parseResponse(raw, stderr, exitCode), instantiateNs: null, invokeNs, exitCode, stderr };
      });
    },
    async idleCost(): Promise<IdleCost> {
      // Why wait for the refills: the cost of interest is that of a full pool at rest, not of slots still starting.
      await pool.filled();
      const pids = pool.waitingSlots().flatMap((slot) => (slot.process.pid === undefined ? [] : [slot.process.pid]));
      return processIdleCost(pids);
    },
    poolStats: () => pool.stats(),
    pids: () => pool.liveSlots().flatMap((slot) => (slot.process.pid === undefined ? [] : [slot.process.pid])),
    close: () => pool.close(),
  };
}

/** Warm: one long-lived worker in loop mode answers every request; respawned if it dies. */
function warmCell(context: CellContext): OpeningCell {
  let worker = new LoopProcess(loopSpawnSpec(context));
  let closed = false;
  return {
    ...cellBase(context, 'warm'),
    async opened(signal?: AbortSignal) {
      await worker.started;
      await waitUntilIdle(worker.pid ?? -1, 3000, signal);
    },
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      if (closed) throw new BenchError('internal', 'cell is closed');
      if (worker.exited) {
        worker = new LoopProcess(loopSpawnSpec(context));
        await worker.started;
      }
      const current = worker;
      const frame = encodeRequestFrame(request, context.extraEnv);
      const startNs = nowNs();
      const raw = await current.request(frame, { deadlineMs: context.deadlineMs, signal });
      const invokeNs = nowNs() - startNs;
      return { response: parseResponse(raw, current.stderr, null), instantiateNs: null, invokeNs, exitCode: null, stderr: current.stderr };
    },
    async idleCost(): Promise<IdleCost> {
      return processIdleCost(worker.exited || worker.pid === undefined ? [] : [worker.pid]);
    },
    pids: () => (worker.exited || worker.pid === undefined ? [] : [worker.pid]),
    async close() {
      closed = true;
      await worker.stop();
    },
  };
}
