/**
 * `wasm`: the embedded reference WebAssembly runtime. Node's V8 compiles each
 * module once; instances run in a worker thread against the runner's own
 * capability-enforcing WASI preview1 host (wasi-host.ts). Lifecycles: a fresh
 * instance per request (cold), instances made ahead and used once
 * (prewarmed), one instance in loop mode serving many requests (warm).
 * Configurations: `pooling=off` (each instance maps a fresh memory) and
 * `pooling=on` (modules import their memory, which comes from a per-cell pool
 * of zeroed memories; a grown or trapped memory is dropped).
 */
import { nowNs, sleep } from '../../core/clock.ts';
import { BenchError, usageError } from '../../core/errors.ts';
import type { Workload } from '../../fixtures/manifest.ts';
import type { AppsCell, AppsSpec, Availability, Cell, CellSpec, IdleCost, InvokeResult, Lifecycle, MultiAppRunner, Preparation, WorkloadRequest } from '../types.ts';
import { LOOP_ARG, FrameReader, cgiEnvironment, encodeRequestFrame, parseCgiResponse, MalformedResponseError } from '../wagi.ts';
import type { RunOutcome } from './engine.ts';
import { InstanceWorker } from './instance-worker.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_MAX_MEMORY_MIB, DEFAULT_OUTPUT_CAP_BYTES, loadModule, loadModuleBytes, type LoadedModule } from './load.ts';
import type { EngineApp } from './engine.ts';
import { resolveGrants } from './sandbox-fs.ts';

/** Configurations of the `wasm` runner; the first is the default. */
export const WASM_CONFIGURATIONS = ['pooling=off', 'pooling=on'] as const;

/** Pre-warmed slots when the spec does not say. */
export const DEFAULT_POOL_SIZE = 4;

/** Turns an environment record into WASI's `KEY=VALUE` list. */
export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** Whether a configuration name asks for pooling; unknown names are usage errors. */
export function poolingOf(config: string | undefined): boolean {
  const name = config ?? WASM_CONFIGURATIONS[0];
  if (!(WASM_CONFIGURATIONS as readonly string[]).includes(name)) throw usageError(`unknown configuration "${name}" for runner wasm (configurations: ${WASM_CONFIGURATIONS.join(', ')})`);
  return name === 'pooling=on';
}

/** Turns a worker's outcome into an InvokeResult; traps and unparsable output are guest errors. */
export function toInvokeResult(outcome: RunOutcome, loopMode: boolean): InvokeResult {
  if (outcome.trap !== null) throw new BenchError('guest', outcome.trap);
  let raw: Uint8Array = outcome.stdout;
  if (loopMode) {
    const frames = new FrameReader().push(outcome.stdout);
    if (frames.length !== 1) throw new BenchError('guest', `the warm instance answered with ${frames.length} response frames (${outcome.stdout.length} bytes), expected 1`);
    raw = frames[0] as Uint8Array;
  }
  try {
    const response = parseCgiResponse(raw);
    return { response, instantiateNs: outcome.instantiateNs, invokeNs: outcome.invokeNs, exitCode: outcome.exitCode, stderr: outcome.stderr };
  } catch (error) {
    if (error instanceof MalformedResponseError) {
      throw new BenchError('guest', `malformed response (exit code ${outcome.exitCode}): ${error.message}${outcome.stderr ? `; stderr: ${outcome.stderr.split('\n')[0]}` : ''}`);
    }
    throw error;
  }
}

class WasmCell implements Cell {
  readonly runner = 'wasm';
  readonly config: string;
  readonly lifecycle: Lifecycle;
  readonly workload: string;
  private readonly spec: CellSpec;
  private readonly loaded: LoadedModule;
  private readonly pooling: boolean;
  private readonly grants: ReturnType<typeof resolveGrants>;
  private readonly deadlineMs: number;
  private readonly extraEnv: Record<string, string>;
  private worker: InstanceWorker;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(spec: CellSpec, loaded: LoadedModule, pooling: boolean) {
    this.spec = spec;
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.lifecycle = spec.lifecycle;
    this.workload = spec.workload.name;
    this.loaded = loaded;
    this.pooling = pooling;
    this.grants = resolveGrants(spec.dirs ?? []);
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.extraEnv = spec.env ?? {};
    this.worker = this.spawn();
  }

  private spawn(): InstanceWorker {
    return new InstanceWorker({
      apps: [{ module: this.loaded.module, memory: this.loaded.memory }],
      pooling: this.pooling,
      grants: this.grants,
      outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
      lifecycle: this.lifecycle,
      poolSize: this.spec.poolSize ?? DEFAULT_POOL_SIZE,
      ...(this.lifecycle === 'warm' ? { warm: { args: [this.workload, LOOP_ARG], env: envList(this.extraEnv) } } : {}),
    });
  }

  /** Waits until the first worker is up. */
  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    const run = async (): Promise<InvokeResult> => {
      if (this.closed) throw new BenchError('internal', 'the cell is closed');
      if (!this.worker.alive) this.worker = this.spawn();
      const warm = this.lifecycle === 'warm';
      const message = warm
        ? { frame: encodeRequestFrame(request, this.extraEnv) }
        : { args: [this.workload], env: envList({ ...this.extraEnv, ...cgiEnvironment(request) }), stdin: request.body };
      try {
        return toInvokeResult(await this.worker.send(message, this.deadlineMs, signal), warm);
      } finally {
        // A terminated worker (deadline, abort, trap in the warm instance) is replaced at once so the next request does not wait for it.
        if (!this.worker.alive && !this.closed) this.worker = this.spawn();
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async idleCost(): Promise<IdleCost> {
    // Process-wide RSS before and after a second copy of the cell's worker starts: the cost of one cell's waiting slots.
    const windowMs = 200;
    const before = process.memoryUsage().rss;
    const probe = this.spawn();
    await probe.whenReady();
    await sleep(20);
    const after = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const startNs = nowNs();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedUs = (nowNs() - startNs) / 1e3;
    await probe.close();
    const slots = this.lifecycle === 'prewarmed' ? (this.spec.poolSize ?? DEFAULT_POOL_SIZE) : 1;
    return {
      slots,
      rssBytes: Math.max(0, after - before),
      cpuCores: (cpu.user + cpu.system) / elapsedUs,
      method: `host-process RSS growth when one more worker with its ${slots} waiting instance(s) starts; CPU of the whole host process over ${windowMs} ms idle`,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.close();
  }
}

/** Many distinct apps in one worker: each request runs a fresh instance of the chosen app. */
class WasmAppsCell implements AppsCell {
  readonly runner = 'wasm';
  readonly config: string;
  readonly appCount: number;
  private readonly apps: EngineApp[];
  private readonly ids: string[];
  private readonly pooling: boolean;
  private readonly deadlineMs: number;
  private worker: InstanceWorker;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(spec: AppsSpec, apps: EngineApp[], pooling: boolean) {
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.apps = apps;
    this.ids = spec.apps.map((app) => app.id);
    this.appCount = apps.length;
    this.pooling = pooling;
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.worker = this.spawn();
  }

  private spawn(): InstanceWorker {
    return new InstanceWorker({ apps: this.apps, pooling: this.pooling, grants: [], outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES, lifecycle: 'cold', poolSize: 0 });
  }

  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  invoke(appIndex: number, request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    if (!Number.isInteger(appIndex) || appIndex < 0 || appIndex >= this.appCount) return Promise.reject(usageError(`app index ${appIndex} is outside 0..${this.appCount - 1}`));
    const run = async (): Promise<InvokeResult> => {
      if (this.closed) throw new BenchError('internal', 'the cell is closed');
      if (!this.worker.alive) this.worker = this.spawn();
      try {
        const message = { app: appIndex, args: [this.ids[appIndex] as string], env: envList(cgiEnvironment(request)), stdin: request.body };
        return toInvokeResult(await this.worker.send(message, this.deadlineMs, signal), false);
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

/** Apps compiled between two yields to the event loop while loading (so an abort is seen). */
const LOAD_BATCH = 256;

/** Compiles every app of a many-apps spec (memory cap applied; for pooling, memory imported). */
async function loadApps(spec: AppsSpec, pooling: boolean, signal?: AbortSignal): Promise<EngineApp[]> {
  const maxMemoryMib = spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB;
  const apps: EngineApp[] = [];
  for (let i = 0; i < spec.apps.length; i++) {
    if (i % LOAD_BATCH === 0) {
      signal?.throwIfAborted();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const source = spec.apps[i] as AppsSpec['apps'][number];
    const loaded = loadModuleBytes(source.bytes, maxMemoryMib, pooling, `app ${source.id}`);
    apps.push({ module: loaded.module, memory: loaded.memory });
  }
  return apps;
}

/** The `wasm` runner. */
export function createWasmRunner(): MultiAppRunner {
  return {
    name: 'wasm',
    description: `embedded reference runtime: V8 ${process.versions.v8} (Node ${process.versions.node}), own capability-enforcing WASI preview1 host, instances in worker threads`,
    configurations: WASM_CONFIGURATIONS,
    lifecycles: ['cold', 'prewarmed', 'warm'],
    async availability(): Promise<Availability> {
      return typeof WebAssembly === 'object' ? { status: 'available', detail: `V8 ${process.versions.v8}` } : { status: 'unavailable', reason: 'no WebAssembly in this Node' };
    },
    async prepare(workload: Workload, config: string): Promise<Preparation> {
      const loaded = loadModule(workload.wasmPath, DEFAULT_MAX_MEMORY_MIB, poolingOf(config));
      return { firstLoadNs: loaded.firstLoadNs, artifactBytes: loaded.artifactBytes, detail: 'read + memory-limit rewrite + WebAssembly.Module compile (cached per process after the first load)' };
    },
    async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
      signal?.throwIfAborted();
      const pooling = poolingOf(spec.config);
      const cell = new WasmCell(spec, loadModule(spec.workload.wasmPath, spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, pooling), pooling);
      try {
        await cell.whenReady();
      } catch (error) {
        await cell.close();
        throw error;
      }
      return cell;
    },
    async openApps(spec: AppsSpec, signal?: AbortSignal): Promise<AppsCell> {
      const pooling = poolingOf(spec.config);
      if (spec.apps.length === 0) throw usageError('openApps needs at least one app');
      const cell = new WasmAppsCell(spec, await loadApps(spec, pooling, signal), pooling);
      try {
        await cell.whenReady();
      } catch (error) {
        await cell.close();
        throw error;
      }
      return cell;
    },
  };
}
