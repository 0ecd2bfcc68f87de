/**
 * Runs instances of a compiled module against the WASI host, in the calling
 * thread: the code a worker (worker.ts) runs for every request. Timings are
 * taken here, inside the thread that runs the instance, so that the
 * main-thread hop is not part of L0 or L1.
 */
import { nowNs } from '../../core/clock.ts';
import { usageError } from '../../core/errors.ts';
import { PAGE_BYTES, type MemoryPlan } from './binary.ts';
import { PREVIEW1_FUNCTIONS, PREVIEW1_MODULE } from './wasi-constants.ts';
import { DeadlineReached, OutputCapExceeded, ProcExit, WasiHost, type StdinSource } from './wasi-host.ts';
import type { ResolvedGrant } from './sandbox-fs.ts';
import type { DeadlineWatch } from './deadline-watch.ts';
import { INTERRUPT_IMPORT } from './instrument.ts';
import type { ResetPlan } from './reset.ts';

/** How a guest run ended. */
export interface RunOutcome {
  /** Raw stdout. */
  stdout: Uint8Array;
  stderr: string;
  /** proc_exit code, 0 when `_start` returned; null when it trapped. */
  exitCode: number | null;
  /** The trap or host failure that stopped the guest, one line; null when it exited. */
  trap: string | null;
  /** Set when the guest wrote more than the output cap and was stopped. */
  outputCapExceeded: boolean;
  /** L0, ns (null when the instance was made before the request). */
  instantiateNs: number | null;
  /** L1, ns: instantiation (L0), the run and the collected output; the teardown after it is not in it. */
  invokeNs: number;
  /**
   * Teardown after the response, ns: the host's files closed and the memory
   * given back (zeroed into its pool, or dropped; in the reused lifecycle the
   * instance reset and parked). Absent or null where nothing is torn down per
   * request as a step of its own (warm; the jco engine).
   */
  teardownNs?: number | null;
  /** Inline execution: the run was stopped at its deadline (the outcome then carries a trap too). */
  deadlineExceeded?: boolean;
}

/** An instance made ahead of its request (pre-warmed lifecycle), with its memory. */
export interface PreparedInstance {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
  /** Instance pooling: the exported mutable globals a reset sets, in the plan's order. */
  globals?: WebAssembly.Global[];
}

/**
 * Checks at load time that the host provides every import the module needs
 * and that it is a WASI command: a missing import is a usage error, not a
 * link error at the first request.
 */
export function checkModuleShape(module: WebAssembly.Module, plan: MemoryPlan): void {
  for (const entry of WebAssembly.Module.imports(module)) {
    if (entry.module === PREVIEW1_MODULE && entry.kind === 'function' && PREVIEW1_FUNCTIONS.has(entry.name)) continue;
    if (entry.kind === 'memory' && plan.origin === 'imported' && entry.module === plan.importModule && entry.name === plan.importName) continue;
    if (entry.kind === 'memory' && entry.module === INTERRUPT_IMPORT.module && entry.name === INTERRUPT_IMPORT.name) continue;
    throw usageError(`the module imports ${entry.kind} ${entry.module}.${entry.name}, which this host does not provide (only wasi_snapshot_preview1)`);
  }
  const exports = WebAssembly.Module.exports(module);
  if (!exports.some((entry) => entry.name === '_start' && entry.kind === 'function')) {
    throw usageError('the module exports no _start function (a WASI command module is expected)');
  }
  if (plan.origin === 'defined' && !exports.some((entry) => entry.name === 'memory' && entry.kind === 'memory')) {
    throw usageError('the module does not export its memory, which WASI needs');
  }
}

/** A compiled app the engine can instantiate: its module and where its memory comes from. */
export interface EngineApp {
  module: WebAssembly.Module;
  memory: MemoryPlan;
  /** The module carries interruption checks (load.ts) and imports the deadline watch's memory. */
  interruptible?: boolean;
  /** Instance pooling: how an instance of this app is put back into its fresh state (reset.ts); absent when it cannot be. */
  reset?: ResetPlan | null;
}

/** Most zeroed memories one size's pool keeps idle: bounds idle memory per thread and size. @default 8 */
export const POOL_MAX_IDLE = 8;

/** Instance pooling: most reset instances an engine keeps idle, over all its apps (the least recently parked go first). @default 64 */
export const INSTANCE_POOL_MAX_IDLE = 64;

/** Memories of one size kept for reuse, zeroed before they are handed out again. */
class MemoryPool {
  readonly free: WebAssembly.Memory[] = [];
  readonly descriptor: WebAssembly.MemoryDescriptor;
  readonly initialBytes: number;
  /** Highest number of memories out at once since the last trim: what the pool should keep. */
  inUse = 0;
  peakInUse = 0;

  constructor(descriptor: WebAssembly.MemoryDescriptor) {
    this.descriptor = descriptor;
    this.initialBytes = descriptor.initial * PAGE_BYTES;
  }
}

/** What the pools keep idle. */
export interface PoolStats {
  /** Sizes (initial, maximum pages) with a pool. */
  sizes: number;
  /** Zeroed memories waiting. */
  idleMemories: number;
  /** Their committed size, bytes (initial pages each). */
  idleBytes: number;
}

/**
 * Pools of zeroed memories, one per size (initial and maximum pages), shared
 * by every app of a thread: many apps of one size share one pool, so idle
 * memory stays bounded by sizes x `maxIdle`, not by the number of apps. A
 * grown memory, or one whose instance trapped, is dropped, never handed out
 * again. {@link trim} lets idle pools shrink to what was used since the last
 * trim.
 */
export class MemoryPools {
  private readonly pools = new Map<string, MemoryPool>();
  private readonly maxIdle: number;

  constructor(maxIdle: number = POOL_MAX_IDLE) {
    this.maxIdle = maxIdle;
  }

  private poolFor(descriptor: WebAssembly.MemoryDescriptor): MemoryPool {
    const key = `${descriptor.initial}:${descriptor.maximum ?? ''}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new MemoryPool(descriptor);
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** A zeroed memory of this size: a pooled one, or a new one. */
  acquire(descriptor: WebAssembly.MemoryDescriptor): WebAssembly.Memory {
    const pool = this.poolFor(descriptor);
    pool.inUse++;
    if (pool.inUse > pool.peakInUse) pool.peakInUse = pool.inUse;
    return pool.free.pop() ?? new WebAssembly.Memory(descriptor);
  }

  /** Returns a memory after use: grown or trapped memories are dropped; the rest is zeroed and kept up to the pool's cap. */
  release(descriptor: WebAssembly.MemoryDescriptor, memory: WebAssembly.Memory, trapped: boolean): void {
    const pool = this.poolFor(descriptor);
    pool.inUse--;
    if (trapped || memory.buffer.byteLength !== pool.initialBytes || pool.free.length >= this.maxIdle) return;
    new Uint8Array(memory.buffer).fill(0);
    pool.free.push(memory);
  }

  /** Drops idle memories beyond what each pool needed at its peak since the last trim (at least one kept per used size). */
  trim(): void {
    for (const [key, pool] of this.pools) {
      const keep = Math.max(pool.inUse > 0 || pool.peakInUse > 0 ? 1 : 0, pool.peakInUse - pool.inUse);
      if (pool.free.length > keep) pool.free.length = keep;
      pool.peakInUse = pool.inUse;
      if (pool.free.length === 0 && pool.inUse === 0) this.pools.delete(key);
    }
  }

  /** Drops every idle memory. */
  clear(): void {
    for (const pool of this.pools.values()) pool.free.length = 0;
  }

  stats(): PoolStats {
    let idleMemories = 0;
    let idleBytes = 0;
    for (const pool of this.pools.values()) {
      idleMemories += pool.free.length;
      idleBytes += pool.free.length * pool.initialBytes;
    }
    return { sizes: this.pools.size, idleMemories, idleBytes };
  }
}

function memoryDescriptorOf(plan: MemoryPlan): WebAssembly.MemoryDescriptor | null {
  if (plan.origin !== 'imported') return null;
  return { initial: plan.limits.initialPages, ...(plan.limits.maximumPages === null ? {} : { maximum: plan.limits.maximumPages }) };
}

/** How often an engine trims its pools to what was used since the last trim, ms. */
export const POOL_TRIM_INTERVAL_MS = 1000;

/** Options of an {@link Engine}. */
export interface EngineOptions {
  grants: readonly ResolvedGrant[];
  outputCapBytes: number;
  /** Take imported memories from the pools and return them zeroed (pooling=on). */
  pooling: boolean;
  /** @default POOL_MAX_IDLE */
  poolMaxIdle?: number;
  /** Inline execution: the thread's deadline watch, armed around every run of an interruptible app. */
  watch?: DeadlineWatch;
  /**
   * Instance pooling (implies `pooling`): an instance whose run ended cleanly
   * with its memory at its initial size is reset (memory zeroed, data
   * segments written again, mutable globals set to their initial values) and
   * serves a later request of the same app; one that trapped, hit its
   * deadline or grew its memory is dropped. Only apps with a reset plan.
   */
  reuseInstances?: boolean;
  /** @default INSTANCE_POOL_MAX_IDLE */
  instancePoolMaxIdle?: number;
}

/** What an engine's instance pool did and holds. */
export interface InstancePoolStats {
  /** Instances built with `new WebAssembly.Instance`. */
  created: number;
  /** Requests served by a reset instance. */
  reused: number;
  /** Reset instances waiting. */
  idleInstances: number;
  /** Their memories' size, bytes. */
  idleBytes: number;
}

/**
 * Runs fresh (or prepared) instances of any number of apps on one thread,
 * against one WASI host (a thread runs one instance at a time) and one set of
 * memory pools.
 */
export class Engine {
  readonly host: WasiHost;
  readonly pools: MemoryPools | null;
  private readonly importObject: Record<string, Record<string, unknown>>;
  private readonly descriptors = new WeakMap<EngineApp, WebAssembly.MemoryDescriptor | null>();
  private readonly watch: DeadlineWatch | null;
  private readonly trimTimer: NodeJS.Timeout | null;
  private readonly reuse: boolean;
  private readonly instanceMaxIdle: number;
  /** Reset instances by app, in the order their apps were first parked (the eviction order). */
  private readonly idle = new Map<EngineApp, PreparedInstance[]>();
  private readonly instanceCounts = { created: 0, reused: 0 };
  private idleInstances = 0;

  constructor(options: EngineOptions) {
    this.host = new WasiHost({ grants: options.grants, outputCapBytes: options.outputCapBytes });
    this.importObject = { [PREVIEW1_MODULE]: this.host.imports as unknown as Record<string, unknown> };
    this.reuse = options.reuseInstances === true;
    this.instanceMaxIdle = options.instancePoolMaxIdle ?? INSTANCE_POOL_MAX_IDLE;
    this.pools = options.pooling || this.reuse ? new MemoryPools(options.poolMaxIdle) : null;
    // Trimming on a timer lets a burst's extra memories go once the burst is over, without work on the request path.
    const pools = this.pools;
    this.trimTimer = pools ? setInterval(() => pools.trim(), POOL_TRIM_INTERVAL_MS).unref() : null;
    this.watch = options.watch ?? null;
    if (this.watch) this.importObject[INTERRUPT_IMPORT.module] = { [INTERRUPT_IMPORT.name]: this.watch.memory };
  }

  private descriptorOf(app: EngineApp): WebAssembly.MemoryDescriptor | null {
    let descriptor = this.descriptors.get(app);
    if (descriptor === undefined) {
      descriptor = memoryDescriptorOf(app.memory);
      this.descriptors.set(app, descriptor);
    }
    return descriptor;
  }

  /** Instantiates an app (L0): a reset instance from the instance pool, or a new instance with a memory of its own or one from the memory pool. */
  instantiate(app: EngineApp): PreparedInstance {
    const pooled = this.reuse && app.reset ? this.takeIdle(app) : null;
    if (pooled) return pooled;
    const descriptor = this.descriptorOf(app);
    if (descriptor) {
      const memory = this.pools ? this.pools.acquire(descriptor) : new WebAssembly.Memory(descriptor);
      (this.importObject[app.memory.importModule as string] ??= {})[app.memory.importName as string] = memory;
      let instance: WebAssembly.Instance;
      try {
        instance = new WebAssembly.Instance(app.module, this.importObject as WebAssembly.Imports);
      } catch (error) {
        if (this.pools) this.pools.release(descriptor, memory, true);
        throw error;
      }
      this.instanceCounts.created++;
      if (!(this.reuse && app.reset)) return { instance, memory };
      return { instance, memory, globals: app.reset.globals.map(({ name }) => instance.exports[name] as WebAssembly.Global) };
    }
    const instance = new WebAssembly.Instance(app.module, this.importObject as WebAssembly.Imports);
    this.instanceCounts.created++;
    return { instance, memory: instance.exports['memory'] as WebAssembly.Memory };
  }

  private takeIdle(app: EngineApp): PreparedInstance | null {
    const list = this.idle.get(app);
    const hit = list?.pop();
    if (!hit) return null;
    if (list?.length === 0) this.idle.delete(app);
    this.idleInstances--;
    this.instanceCounts.reused++;
    return hit;
  }

  /**
   * After a run (or for a slot never used): a clean instance of a resettable
   * app is reset and parked for the next request of its app (instance
   * pooling); otherwise its memory goes back to the memory pool, or is
   * dropped when the instance trapped or the memory grew.
   */
  private recycle(app: EngineApp, ready: PreparedInstance, trapped: boolean): void {
    const descriptor = this.descriptorOf(app);
    if (!descriptor) return;
    const plan = app.reset;
    if (this.reuse && plan && ready.globals && !trapped && ready.memory.buffer.byteLength === descriptor.initial * PAGE_BYTES && this.instanceMaxIdle > 0) {
      const memory = new Uint8Array(ready.memory.buffer);
      memory.fill(0);
      for (const segment of plan.segments) memory.set(segment.bytes, segment.offset);
      for (let i = 0; i < plan.globals.length; i++) (ready.globals[i] as WebAssembly.Global).value = (plan.globals[i] as ResetPlan['globals'][number]).value;
      const list = this.idle.get(app);
      if (list) list.push(ready);
      else this.idle.set(app, [ready]);
      if (++this.idleInstances > this.instanceMaxIdle) this.evictOldest();
      return;
    }
    if (this.pools) this.pools.release(descriptor, ready.memory, trapped);
  }

  private evictOldest(): void {
    const [app, list] = this.idle.entries().next().value as [EngineApp, PreparedInstance[]];
    const evicted = list.shift() as PreparedInstance;
    if (list.length === 0) this.idle.delete(app);
    this.idleInstances--;
    const descriptor = this.descriptorOf(app);
    if (descriptor && this.pools) this.pools.release(descriptor, evicted.memory, false);
  }

  /** What the instance pool did and holds (all zeros without instance pooling). */
  instanceStats(): InstancePoolStats {
    let idleBytes = 0;
    for (const list of this.idle.values()) for (const parked of list) idleBytes += parked.memory.buffer.byteLength;
    return { ...this.instanceCounts, idleInstances: this.idleInstances, idleBytes };
  }

  /** Stops trimming and drops every pooled memory and instance. */
  close(): void {
    if (this.trimTimer) clearInterval(this.trimTimer);
    this.idle.clear();
    this.idleInstances = 0;
    this.pools?.clear();
  }

  /** Gives a prepared instance back without running it (a pre-warmed slot dropped at close). */
  discard(app: EngineApp, prepared: PreparedInstance): void {
    this.recycle(app, prepared, false);
  }

  /**
   * Runs `_start` of an instance to its end. A fresh instance is made when
   * `prepared` is not given (cold), and that instantiation is timed as L0.
   * With a deadline watch and an interruptible app, `_start` runs under
   * `deadlineMs` and is stopped at its next check once it is past it.
   */
  run(
    app: EngineApp,
    args: { bytes: Uint8Array; count: number },
    env: { bytes: Uint8Array; count: number },
    stdin: Uint8Array | StdinSource,
    prepared?: PreparedInstance,
    deadlineMs?: number,
  ): RunOutcome {
    const startNs = nowNs();
    const ready = prepared ?? this.instantiate(app);
    const instantiateNs = prepared ? null : nowNs() - startNs;
    this.host.begin(ready.memory, args, env, stdin);
    let exitCode: number | null = 0;
    let trap: string | null = null;
    let outputCapExceeded = false;
    const watched = this.watch !== null && app.interruptible === true && deadlineMs !== undefined;
    let deadlineExceeded = false;
    if (watched) this.host.deadlineEpochMs = (this.watch as DeadlineWatch).begin(deadlineMs as number);
    try {
      (ready.instance.exports['_start'] as () => void)();
    } catch (error) {
      if (error instanceof DeadlineReached) deadlineExceeded = true;
      if (error instanceof ProcExit) exitCode = error.code;
      else if (error instanceof OutputCapExceeded) {
        exitCode = null;
        outputCapExceeded = true;
        trap = `output cap exceeded: the guest wrote more than ${error.capBytes} bytes and was stopped`;
      } else {
        exitCode = null;
        trap = describeTrap(error);
      }
    }
    if (watched) {
      if ((this.watch as DeadlineWatch).end()) deadlineExceeded = true;
      this.host.deadlineEpochMs = null;
    }
    if (deadlineExceeded) {
      exitCode = null;
      trap = `deadline exceeded after ${deadlineMs} ms`;
    }
    const stdout = this.host.stdoutView().slice();
    const stderr = this.host.stderrText();
    // The response is complete here: L1 ends. What follows is the teardown, its own phase (DESIGN.md section 3), as Wasmtime's
    // pooling allocator resets a slot's memory when the instance is dropped, after the response.
    const endNs = nowNs();
    this.host.end();
    this.recycle(app, ready, trap !== null);
    return { stdout, stderr, exitCode, trap, outputCapExceeded, instantiateNs, invokeNs: endNs - startNs, teardownNs: nowNs() - endNs, ...(deadlineExceeded ? { deadlineExceeded } : {}) };
  }
}

/** One line for a trap: WebAssembly.RuntimeError messages are already short ("unreachable", "memory access out of bounds"). */
export function describeTrap(error: unknown): string {
  if (error instanceof WebAssembly.RuntimeError) return `trap: ${error.message}`;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'trap: stack overflow (call stack exhausted)';
  return `host failure: ${error instanceof Error ? error.message : String(error)}`;
}
