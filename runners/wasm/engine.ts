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
import { OutputCapExceeded, ProcExit, WasiHost, type StdinSource } from './wasi-host.ts';
import type { ResolvedGrant } from './sandbox-fs.ts';

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
  /** L1, ns. */
  invokeNs: number;
}

/** What an engine needs besides the module. */
export interface EngineOptions {
  grants: readonly ResolvedGrant[];
  outputCapBytes: number;
  memory: MemoryPlan;
  /** Take imported memories from a pool and return them zeroed (pooling=on). */
  pooling: boolean;
}

/** An instance made ahead of its request (pre-warmed lifecycle), with its memory. */
export interface PreparedInstance {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory;
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

/** Memories of one size kept for reuse, zeroed before they are handed out again (pooling). */
class MemoryPool {
  private readonly free: WebAssembly.Memory[] = [];
  private readonly descriptor: WebAssembly.MemoryDescriptor;
  private readonly initialBytes: number;
  private readonly maxIdle: number;

  constructor(descriptor: WebAssembly.MemoryDescriptor, maxIdle: number) {
    this.descriptor = descriptor;
    this.initialBytes = descriptor.initial * PAGE_BYTES;
    this.maxIdle = maxIdle;
  }

  acquire(): WebAssembly.Memory {
    return this.free.pop() ?? new WebAssembly.Memory(this.descriptor);
  }

  /** Returns a memory after use: a grown memory, or one whose instance trapped, is dropped; the rest is zeroed. */
  release(memory: WebAssembly.Memory, trapped: boolean): void {
    if (trapped || memory.buffer.byteLength !== this.initialBytes || this.free.length >= this.maxIdle) return;
    new Uint8Array(memory.buffer).fill(0);
    this.free.push(memory);
  }

  get idleCount(): number {
    return this.free.length;
  }
}

/** Most zeroed memories a pool keeps idle: bounds idle memory per cell. */
export const POOL_MAX_IDLE = 8;

/** Runs fresh (or prepared) instances of one module. */
export class Engine {
  readonly host: WasiHost;
  private readonly module: WebAssembly.Module;
  private readonly plan: MemoryPlan;
  private readonly importObject: WebAssembly.Imports;
  private readonly pool: MemoryPool | null;
  private readonly memoryDescriptor: WebAssembly.MemoryDescriptor | null;

  constructor(module: WebAssembly.Module, options: EngineOptions) {
    this.module = module;
    this.plan = options.memory;
    this.host = new WasiHost({ grants: options.grants, outputCapBytes: options.outputCapBytes });
    this.importObject = { [PREVIEW1_MODULE]: this.host.imports as unknown as WebAssembly.ModuleImports };
    const limits = options.memory.limits;
    this.memoryDescriptor =
      options.memory.origin === 'imported' ? { initial: limits.initialPages, ...(limits.maximumPages === null ? {} : { maximum: limits.maximumPages }) } : null;
    this.pool = options.pooling && this.memoryDescriptor ? new MemoryPool(this.memoryDescriptor, POOL_MAX_IDLE) : null;
  }

  /** Instantiates the module (L0): a memory of its own, or one from the pool. */
  instantiate(): PreparedInstance {
    if (this.memoryDescriptor) {
      const memory = this.pool ? this.pool.acquire() : new WebAssembly.Memory(this.memoryDescriptor);
      (this.importObject as Record<string, Record<string, unknown>>)[this.plan.importModule as string] = { [this.plan.importName as string]: memory };
      return { instance: new WebAssembly.Instance(this.module, this.importObject), memory };
    }
    const instance = new WebAssembly.Instance(this.module, this.importObject);
    return { instance, memory: instance.exports['memory'] as WebAssembly.Memory };
  }

  /**
   * Runs `_start` of an instance to its end. A fresh instance is made when
   * `prepared` is not given (cold), and that instantiation is timed as L0.
   */
  run(args: { bytes: Uint8Array; count: number }, env: { bytes: Uint8Array; count: number }, stdin: Uint8Array | StdinSource, prepared?: PreparedInstance): RunOutcome {
    const startNs = nowNs();
    const ready = prepared ?? this.instantiate();
    const instantiateNs = prepared ? null : nowNs() - startNs;
    this.host.begin(ready.memory, args, env, stdin);
    let exitCode: number | null = 0;
    let trap: string | null = null;
    let outputCapExceeded = false;
    try {
      (ready.instance.exports['_start'] as () => void)();
    } catch (error) {
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
    const stdout = this.host.stdoutView().slice();
    const stderr = this.host.stderrText();
    this.host.end();
    this.pool?.release(ready.memory, trap !== null);
    const invokeNs = nowNs() - startNs;
    return { stdout, stderr, exitCode, trap, outputCapExceeded, instantiateNs, invokeNs };
  }
}

/** One line for a trap: WebAssembly.RuntimeError messages are already short ("unreachable", "memory access out of bounds"). */
export function describeTrap(error: unknown): string {
  if (error instanceof WebAssembly.RuntimeError) return `trap: ${error.message}`;
  if (error instanceof RangeError && /call stack/i.test(error.message)) return 'trap: stack overflow (call stack exhausted)';
  return `host failure: ${error instanceof Error ? error.message : String(error)}`;
}
