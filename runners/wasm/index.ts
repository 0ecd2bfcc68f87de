/**
 * `wasm`: the embedded reference WebAssembly runtime. Node's V8 compiles each
 * module once; instances run against the runner's own capability-enforcing
 * WASI preview1 host (wasi-host.ts). Lifecycles: a fresh instance per request
 * (cold), instances made ahead and used once (prewarmed), one instance in loop
 * mode serving many requests (warm). Configurations: `pooling=off` (each
 * instance gets a freshly mapped memory), `pooling=on` (each fresh instance
 * gets a zeroed memory from a per-size pool; a grown or trapped memory is
 * dropped). The `reused` lifecycle resets a clean instance to its fresh
 * state and reuses it (reset.ts, engine.ts): never reported as cold.
 *
 * Execution: with `pooling=off` and `pooling=on` each cell runs its
 * instances in a worker thread of its own, terminated and replaced at a
 * deadline (worker.ts). With `,inline` cold and pre-warmed instances
 * run on the calling thread, with the deadline enforced by interruption checks
 * the loader adds to the module and a watchdog thread (instrument.ts,
 * deadline-watch.ts): no thread hop per request. The warm lifecycle (whose
 * stdin blocks between requests) and modules the rewriter cannot instrument
 * always run in a worker thread.
 */
import { nowNs, sleep } from '../../core/clock.ts';
import { BenchError, usageError } from '../../core/errors.ts';
import type { Workload } from '../../fixtures/manifest.ts';
import type { AppsCell, AppsSpec, Availability, Cell, CellSpec, IdleCost, InvokeResult, Lifecycle, MultiAppRunner, Preparation, WorkloadRequest } from '../types.ts';
import { LOOP_ARG, FrameReader, cgiEnvironment, encodeRequestFrame, parseCgiResponse, MalformedResponseError } from '../wagi.ts';
import { Engine, type EngineApp, type PreparedInstance, type RunOutcome } from './engine.ts';
import { deadlineWatch } from './deadline-watch.ts';
import { deadlineError, InstanceWorker, readyCell, ReplacingWorker } from './instance-worker.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_MAX_MEMORY_MIB, DEFAULT_OUTPUT_CAP_BYTES, loadModule, loadModuleBytes, V8_MAX_COMMITTED_WASM_CODE_MIB, type LoadedModule } from './load.ts';
import { encodeEnvironment, encodeStringList, environmentText } from './wasi-host.ts';
import type { EncodedStrings } from './protocol.ts';
import { resolveGrants } from './sandbox-fs.ts';

/** Longest stretch of inline runs without a turn of the event loop, ms. */
const INLINE_YIELD_EVERY_MS = 1;

let lastTurnMs = 0;

/**
 * Gives the event loop a turn before an inline run when it has had none for
 * {@link INLINE_YIELD_EVERY_MS}. Why: an inline run resolves without ever
 * reaching the event loop, so a caller looping on invoke() would starve
 * timers, I/O and signal handlers (Ctrl-C) for as long as the loop lasts;
 * one turn per request, though, costs a server a macrotask per request. The
 * turn is outside L0/L1, which the engine times itself.
 */
function yieldToEventLoop(): Promise<void> | undefined {
  const now = performance.now();
  if (now - lastTurnMs < INLINE_YIELD_EVERY_MS) return undefined;
  return new Promise((resolve) =>
    setImmediate(() => {
      lastTurnMs = performance.now();
      resolve();
    }),
  );
}

/**
 * Configurations of the `wasm` runner; the first is the default of `wsb run`
 * (the declared representative for claims is in core/representatives.ts).
 * `pooling=off` and `pooling=on` run each cell's instances in a worker thread
 * of its own, off the caller's thread, so a CPU-bound guest holds only its
 * own thread (as an engine running requests on a thread pool does).
 * `pooling=on,inline` runs cold, pre-warmed and reused instances on the
 * calling thread, which saves the thread hop per request, but a CPU-bound
 * guest then holds that thread (and every cell on it) until its deadline,
 * which the isolation suite's noisy neighbours show.
 *
 * Instance reuse is a lifecycle, not a configuration: in the `reused`
 * lifecycle (with pooled memory) an instance that ran cleanly is reset to
 * its fresh state (memory zeroed, data segments written again, mutable
 * globals set to their initial values; reset.ts) and serves the next request
 * of its app instead of V8 building a new instance; a module that could
 * change state the reset does not restore (tables, segments) gets a new
 * instance per request.
 */
export const WASM_CONFIGURATIONS = ['pooling=off', 'pooling=on', 'pooling=on,inline'] as const;

/** Configurations that run every cell on the calling thread (so a CPU-bound guest holds its neighbours until its deadline). */
export const INLINE_CONFIGURATIONS: readonly string[] = WASM_CONFIGURATIONS.filter((name) => name.endsWith(',inline'));

/** Lifecycles of a configuration: reuse needs pooled memory, so `pooling=off` has no `reused` lifecycle. */
export function wasmLifecyclesOf(config: string): readonly Lifecycle[] {
  return config.startsWith('pooling=off') ? ['cold', 'prewarmed', 'warm'] : ['cold', 'prewarmed', 'warm', 'reused'];
}

/** What a configuration and lifecycle ask for: pooled memories, calling-thread execution, reset instances (instance reuse). */
export interface WasmMode {
  pooling: boolean;
  inline: boolean;
  reuse: boolean;
}

/** What a configuration name asks for in a lifecycle; unknown names, and reuse without pooling, are usage errors. */
export function parseWasmConfig(config: string | undefined, lifecycle: Lifecycle = 'cold'): WasmMode {
  const name = config ?? WASM_CONFIGURATIONS[0];
  if (!(WASM_CONFIGURATIONS as readonly string[]).includes(name)) throw usageError(`unknown configuration "${name}" for runner wasm (configurations: ${WASM_CONFIGURATIONS.join(', ')})`);
  if (!wasmLifecyclesOf(name).includes(lifecycle)) throw usageError(`runner wasm[${name}] has no ${lifecycle} lifecycle (instance reuse needs pooled memory: pooling=on or pooling=on,inline)`);
  return { pooling: name.startsWith('pooling=on'), inline: name.endsWith(',inline'), reuse: lifecycle === 'reused' };
}

/**
 * Waiting instances a pre-warmed cell's idle-cost probe prepares, whatever
 * the cell's pool size. Why many: the cost of one slot is a difference of
 * process RSS readings, and a slot holds only some KiB: over 64 slots a
 * reading still came out 0 at times; 256 put several MiB between the two
 * readings, well above the noise of starting a worker.
 */
const IDLE_PROBE_SLOTS = 256;

/** Pre-warmed slots when the spec does not say. */
export const DEFAULT_POOL_SIZE = 4;

/** The bytes of `view` in a buffer of their own: structured cloning (posting to a worker) copies a view's whole underlying buffer, and a Buffer may be a view on an 8 KiB pool. */
function ownBytes(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
}

/** Turns an environment record into WASI's `KEY=VALUE` list. */
export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

/** Where cold and pre-warmed instances run: on the calling thread (the default) or in a worker thread. */
export type WasmExecution = 'inline' | 'worker';

/** Options of the `wasm` runner. */
export interface WasmRunnerOptions {
  /** Overrides where every configuration runs its instances (benchmarks and tests). @default by configuration */
  execution?: WasmExecution;
}

/** Turns an engine's outcome into an InvokeResult; traps, deadlines and unparsable output are guest errors. */
export function toInvokeResult(outcome: RunOutcome, loopMode: boolean, deadlineMs: number = DEFAULT_DEADLINE_MS): InvokeResult {
  if (outcome.deadlineExceeded) throw deadlineError(deadlineMs);
  if (outcome.trap !== null) throw new BenchError('guest', outcome.trap);
  let raw: Uint8Array = outcome.stdout;
  if (loopMode) {
    const frames = new FrameReader().push(outcome.stdout);
    if (frames.length !== 1) throw new BenchError('guest', `the warm instance answered with ${frames.length} response frames (${outcome.stdout.length} bytes), expected 1`);
    raw = frames[0] as Uint8Array;
  }
  try {
    const response = parseCgiResponse(raw);
    return { response, instantiateNs: outcome.instantiateNs, invokeNs: outcome.invokeNs, teardownNs: loopMode ? null : (outcome.teardownNs ?? null), exitCode: outcome.exitCode, stderr: outcome.stderr };
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
  private readonly hasExtraEnv: boolean;
  /** The guest's arguments, encoded once. */
  private readonly args: EncodedStrings;
  private readonly worker: ReplacingWorker;

  private readonly reuse: boolean;

  constructor(spec: CellSpec, loaded: LoadedModule, mode: WasmMode) {
    this.spec = spec;
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.lifecycle = spec.lifecycle;
    this.workload = spec.workload.name;
    this.loaded = loaded;
    this.pooling = mode.pooling;
    this.reuse = mode.reuse;
    this.grants = resolveGrants(spec.dirs ?? []);
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.extraEnv = spec.env ?? {};
    this.hasExtraEnv = Object.keys(this.extraEnv).length > 0;
    this.args = encodeStringList([this.workload]);
    this.worker = new ReplacingWorker(() => this.spawn());
  }

  private spawn(lifecycle: Lifecycle = this.lifecycle, poolSize = this.spec.poolSize ?? DEFAULT_POOL_SIZE): InstanceWorker {
    return new InstanceWorker({
      apps: [{ module: this.loaded.module, memory: this.loaded.memory, reset: this.loaded.reset }],
      pooling: this.pooling,
      reuse: this.reuse,
      grants: this.grants,
      outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
      lifecycle,
      poolSize,
      ...(lifecycle === 'warm' ? { warm: { args: [this.workload, LOOP_ARG], env: envList(this.extraEnv) } } : {}),
    });
  }

  /** Waits until the first worker is up. */
  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    const warm = this.lifecycle === 'warm';
    const message = warm
      ? { frame: encodeRequestFrame(request, this.extraEnv) }
      : { args: this.args, env: environmentText(this.hasExtraEnv ? { ...this.extraEnv, ...cgiEnvironment(request) } : cgiEnvironment(request)), stdin: ownBytes(request.body) };
    return toInvokeResult(await this.worker.send(message, this.deadlineMs, signal), warm, this.deadlineMs);
  }

  async idleCost(): Promise<IdleCost> {
    const windowMs = 200;
    const prewarmed = this.lifecycle === 'prewarmed';
    // Why two probes for pre-warmed slots: the worker thread is the cell's fixed cost, paid by a cold cell too (and shared by
    // all the apps of a many-apps cell); a waiting slot costs what a worker with slots holds beyond the same worker without.
    const before = process.memoryUsage().rss;
    const empty = prewarmed ? this.spawn('cold') : undefined;
    await empty?.whenReady();
    await sleep(20);
    const middle = process.memoryUsage().rss;
    const probe = prewarmed ? this.spawn('prewarmed', IDLE_PROBE_SLOTS) : this.spawn();
    await probe.whenReady();
    await sleep(20);
    const after = process.memoryUsage().rss;
    const cpuBefore = process.cpuUsage();
    const startNs = nowNs();
    await sleep(windowMs);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedUs = (nowNs() - startNs) / 1e3;
    await Promise.all([probe.close(), empty?.close()]);
    const slots = prewarmed ? IDLE_PROBE_SLOTS : 1;
    const rssBytes = prewarmed ? Math.max(0, after - middle - (middle - before)) : Math.max(0, after - middle);
    return {
      slots,
      rssBytes,
      cpuCores: (cpu.user + cpu.system) / elapsedUs,
      method: prewarmed
        ? `host-process RSS growth when a worker with its ${slots} waiting instance(s) starts, minus the growth when the same worker starts with none (the worker thread is the cell's fixed cost, a cold cell's too); CPU of the whole host process over ${windowMs} ms idle`
        : `host-process RSS growth when one more worker with its warm instance starts; CPU of the whole host process over ${windowMs} ms idle`,
    };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/**
 * A cold or pre-warmed cell whose instances run on the calling thread: each
 * request instantiates (or takes a prepared instance), runs and collects the
 * response synchronously, under the deadline watch.
 */
class InlineCell implements Cell {
  readonly runner = 'wasm';
  readonly config: string;
  readonly lifecycle: Lifecycle;
  readonly workload: string;
  private readonly engine: Engine;
  private readonly app: EngineApp;
  private readonly deadlineMs: number;
  private readonly extraEnv: Record<string, string>;
  private readonly hasExtraEnv: boolean;
  private readonly args: { bytes: Uint8Array; count: number };
  private readonly slots: number;
  private readonly ready: PreparedInstance[] = [];
  private refillScheduled = false;
  private closed = false;

  constructor(spec: CellSpec, loaded: LoadedModule, mode: WasmMode) {
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.lifecycle = spec.lifecycle;
    this.workload = spec.workload.name;
    this.engine = new Engine({ grants: resolveGrants(spec.dirs ?? []), outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES, pooling: mode.pooling, reuseInstances: mode.reuse, watch: deadlineWatch() });
    this.app = { module: loaded.module, memory: loaded.memory, interruptible: true, reset: loaded.reset };
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.extraEnv = spec.env ?? {};
    this.hasExtraEnv = Object.keys(this.extraEnv).length > 0;
    this.args = encodeStringList([this.workload]);
    this.slots = spec.lifecycle === 'prewarmed' ? (spec.poolSize ?? DEFAULT_POOL_SIZE) : 0;
    this.refill();
  }

  private refill(): void {
    this.refillScheduled = false;
    while (!this.closed && this.ready.length < this.slots) this.ready.push(this.engine.instantiate(this.app));
  }

  async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    await yieldToEventLoop();
    if (this.closed) throw new BenchError('internal', 'the cell is closed');
    signal?.throwIfAborted();
    const prepared = this.slots > 0 ? (this.ready.pop() ?? this.engine.instantiate(this.app)) : undefined;
    const env = encodeEnvironment(this.hasExtraEnv ? { ...this.extraEnv, ...cgiEnvironment(request) } : cgiEnvironment(request));
    const outcome = this.engine.run(this.app, this.args, env, request.body, prepared, this.deadlineMs);
    // Refilling after the reply keeps instantiation off the request's path, as a pre-warming platform does.
    if (this.slots > 0 && !this.refillScheduled) {
      this.refillScheduled = true;
      setImmediate(() => {
        try {
          this.refill();
        } catch {
          // A slot that cannot be made now is made (and its error reported) by the next request.
          this.refillScheduled = false;
        }
      });
    }
    return toInvokeResult(outcome, false, this.deadlineMs);
  }

  async idleCost(): Promise<IdleCost> {
    return inlineIdleCost(this.engine, this.app, this.lifecycle === 'prewarmed' ? IDLE_PROBE_SLOTS : 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const prepared of this.ready.splice(0)) this.engine.discard(this.app, prepared);
    this.engine.close();
  }
}

/**
 * Idle cost of an inline cell: the host-process RSS growth while `slots` more
 * instances are prepared (what its pre-warmed slots hold), plus the zeroed
 * memories its pools keep idle, counted at their committed size.
 */
async function inlineIdleCost(engine: Engine, app: EngineApp, slots: number): Promise<IdleCost> {
  // RSS before and after preparing as many instances as the cell keeps waiting: the cost of its slots, measured in this process.
  const windowMs = 200;
  const before = process.memoryUsage().rss;
  const probe: PreparedInstance[] = [];
  for (let i = 0; i < slots; i++) probe.push(engine.instantiate(app));
  for (const prepared of probe) new Uint8Array(prepared.memory.buffer).fill(0);
  const after = process.memoryUsage().rss;
  for (const prepared of probe) engine.discard(app, prepared);
  const pool = engine.pools?.stats() ?? { sizes: 0, idleMemories: 0, idleBytes: 0 };
  const instances = engine.instanceStats();
  const cpuBefore = process.cpuUsage();
  const startNs = nowNs();
  await sleep(windowMs);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedUs = (nowNs() - startNs) / 1e3;
  return {
    slots,
    rssBytes: Math.max(0, after - before) + pool.idleBytes + instances.idleBytes,
    cpuCores: (cpu.user + cpu.system) / elapsedUs,
    method: `host-process RSS growth while ${slots} instance(s) are prepared and touched, plus ${pool.idleMemories} pooled zeroed memorie(s) of ${pool.sizes} size(s) at their committed size (${pool.idleBytes} bytes)${instances.idleInstances ? ` and ${instances.idleInstances} reset instance(s) waiting, at their memories' size (${instances.idleBytes} bytes)` : ''}; CPU of the whole host process over ${windowMs} ms idle`,
  };
}

/** Many distinct apps run on the calling thread: each request runs a fresh instance of the chosen app. */
class InlineAppsCell implements AppsCell {
  readonly runner = 'wasm';
  readonly config: string;
  readonly lifecycle: 'cold' | 'reused';
  readonly appCount: number;
  private readonly engine: Engine;
  private readonly apps: EngineApp[];
  private readonly args: { bytes: Uint8Array; count: number }[];
  private readonly deadlineMs: number;
  private closed = false;

  constructor(spec: AppsSpec, apps: EngineApp[], mode: WasmMode) {
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.lifecycle = spec.lifecycle ?? 'cold';
    this.apps = apps;
    this.appCount = apps.length;
    this.args = spec.apps.map((app) => encodeStringList([app.id]));
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.engine = new Engine({ grants: [], outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES, pooling: mode.pooling, reuseInstances: mode.reuse, watch: deadlineWatch() });
  }

  async invoke(appIndex: number, request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    if (!Number.isInteger(appIndex) || appIndex < 0 || appIndex >= this.appCount) throw usageError(`app index ${appIndex} is outside 0..${this.appCount - 1}`);
    await yieldToEventLoop();
    if (this.closed) throw new BenchError('internal', 'the cell is closed');
    signal?.throwIfAborted();
    const env = encodeEnvironment(cgiEnvironment(request));
    const outcome = this.engine.run(this.apps[appIndex] as EngineApp, this.args[appIndex] as { bytes: Uint8Array; count: number }, env, request.body, undefined, this.deadlineMs);
    return toInvokeResult(outcome, false, this.deadlineMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.engine.close();
  }
}

/** Many distinct apps in one worker: each request runs a fresh instance of the chosen app. */
class WasmAppsCell implements AppsCell {
  readonly runner = 'wasm';
  readonly config: string;
  readonly lifecycle: 'cold' | 'reused';
  readonly appCount: number;
  private readonly apps: EngineApp[];
  private readonly ids: string[];
  private readonly mode: WasmMode;
  private readonly deadlineMs: number;
  private readonly worker: ReplacingWorker;

  constructor(spec: AppsSpec, apps: EngineApp[], mode: WasmMode) {
    this.config = spec.config ?? WASM_CONFIGURATIONS[0];
    this.lifecycle = spec.lifecycle ?? 'cold';
    this.apps = apps;
    this.ids = spec.apps.map((app) => app.id);
    this.appCount = apps.length;
    this.mode = mode;
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.worker = new ReplacingWorker(() => this.spawn());
  }

  private spawn(): InstanceWorker {
    return new InstanceWorker({ apps: this.apps, pooling: this.mode.pooling, reuse: this.mode.reuse, grants: [], outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES, lifecycle: 'cold', poolSize: 0 });
  }

  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  invoke(appIndex: number, request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    if (!Number.isInteger(appIndex) || appIndex < 0 || appIndex >= this.appCount) return Promise.reject(usageError(`app index ${appIndex} is outside 0..${this.appCount - 1}`));
    const message = { app: appIndex, args: encodeStringList([this.ids[appIndex] as string]), env: environmentText(cgiEnvironment(request)), stdin: ownBytes(request.body) };
    return this.worker.send(message, this.deadlineMs, signal).then((outcome) => toInvokeResult(outcome, false));
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/** Apps compiled between two yields to the event loop while loading (so an abort is seen). */
const LOAD_BATCH = 256;

/** Compiles every app of a many-apps spec (memory cap applied; for pooling or inline execution, memory imported; for inline, interruption checks added; for instance pooling, a reset plan). */
async function loadApps(spec: AppsSpec, mode: WasmMode, inline: boolean, signal?: AbortSignal): Promise<EngineApp[]> {
  const maxMemoryMib = spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB;
  const apps: EngineApp[] = [];
  for (let i = 0; i < spec.apps.length; i++) {
    if (i % LOAD_BATCH === 0) {
      signal?.throwIfAborted();
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const source = spec.apps[i] as AppsSpec['apps'][number];
    const loaded = loadModuleBytes(source.bytes, maxMemoryMib, { importMemory: mode.pooling, interruptible: inline, resettable: mode.reuse }, `app ${source.id}`);
    apps.push({ module: loaded.module, memory: loaded.memory, interruptible: loaded.interruptible, reset: loaded.reset });
  }
  return apps;
}

/** The `wasm` runner. */
export function createWasmRunner(options: WasmRunnerOptions = {}): MultiAppRunner {
  const inlineOf = (config: string | undefined): boolean => (options.execution ? options.execution === 'inline' : parseWasmConfig(config).inline);
  return {
    name: 'wasm',
    description: `embedded reference runtime: V8 ${process.versions.v8} (Node ${process.versions.node}), own capability-enforcing WASI preview1 host; instances in a worker thread per cell, or with ",inline" cold, pre-warmed and reused instances on the calling thread under interruption checks; the reused lifecycle resets and reuses instances`,
    configurations: WASM_CONFIGURATIONS,
    lifecycles: ['cold', 'prewarmed', 'warm', 'reused'],
    codeCapBytes: V8_MAX_COMMITTED_WASM_CODE_MIB * 1024 ** 2,
    lifecyclesOf: wasmLifecyclesOf,
    async availability(): Promise<Availability> {
      return typeof WebAssembly === 'object' ? { status: 'available', detail: `V8 ${process.versions.v8}` } : { status: 'unavailable', reason: 'no WebAssembly in this Node' };
    },
    async prepare(workload: Workload, config: string): Promise<Preparation> {
      const mode = parseWasmConfig(config);
      const loaded = loadModule(workload.wasmPath, DEFAULT_MAX_MEMORY_MIB, { importMemory: mode.pooling, interruptible: inlineOf(config), resettable: false, tierUpAtFirstCall: true });
      return {
        firstLoadNs: loaded.firstLoadNs,
        artifactBytes: loaded.artifactBytes,
        detail: `read + memory-limit rewrite${loaded.interruptible ? ' + interruption checks' : ''}${loaded.reset ? ' + reset plan' : ''} + WebAssembly.Module compile, each function tiered up to V8's optimizing compiler after its first call (cached per process after the first load)`,
      };
    },
    async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
      signal?.throwIfAborted();
      const mode = parseWasmConfig(spec.config, spec.lifecycle);
      const inline = inlineOf(spec.config);
      const maxMemoryMib = spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB;
      if (inline && spec.lifecycle !== 'warm') {
        const loaded = loadModule(spec.workload.wasmPath, maxMemoryMib, { importMemory: mode.pooling, interruptible: true, resettable: mode.reuse, tierUpAtFirstCall: true });
        if (loaded.interruptible) return new InlineCell(spec, loaded, mode);
      }
      return readyCell(new WasmCell(spec, loadModule(spec.workload.wasmPath, maxMemoryMib, { importMemory: mode.pooling, interruptible: false, resettable: mode.reuse, tierUpAtFirstCall: true }), mode));
    },
    async openApps(spec: AppsSpec, signal?: AbortSignal): Promise<AppsCell> {
      const mode = parseWasmConfig(spec.config, spec.lifecycle ?? 'cold');
      const inline = inlineOf(spec.config);
      if (spec.apps.length === 0) throw usageError('openApps needs at least one app');
      const apps = await loadApps(spec, mode, inline, signal);
      if (inline && apps.every((app) => app.interruptible)) return new InlineAppsCell(spec, apps, mode);
      return readyCell(new WasmAppsCell(spec, inline ? await loadApps(spec, mode, false, signal) : apps, mode));
    },
  };
}
