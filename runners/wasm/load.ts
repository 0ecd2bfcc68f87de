/**
 * Loading a module for the runner: read, check it is a core module, apply the
 * memory cap (and, for pooling, import the memory), compile once, check the
 * imports the host must provide. Compiled modules are cached per process.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { nowNs } from '../../core/clock.ts';
import { BenchError, usageError } from '../../core/errors.ts';
import { assertCoreModule, PAGES_PER_MIB, rewriteModule, type MemoryPlan } from './binary.ts';
import { checkModuleShape } from './engine.ts';
import { addInterruptChecks } from './instrument.ts';
import { planReset, type ResetPlan } from './reset.ts';

/** A compiled module ready to instantiate, with its memory plan. */
export interface LoadedModule {
  module: WebAssembly.Module;
  memory: MemoryPlan;
  /** Size of the file as deployed. */
  artifactBytes: number;
  /** Read + rewrite + compile, ns (the first load of this artifact in this process). */
  firstLoadNs: number;
  /** The module carries interruption checks (it can run inline, on the calling thread, under a deadline). */
  interruptible: boolean;
  /** Why a module asked to be interruptible is not (an instruction the rewriter does not know); null otherwise. */
  notInterruptibleReason: string | null;
  /** Instance pooling: how an instance is reset to its fresh state; null when not asked for or not possible. */
  reset: ResetPlan | null;
  /** Why a module asked to be resettable is not (reset.ts); null otherwise. */
  notResettableReason: string | null;
}

/** How to load a module. */
export interface LoadOptions {
  /** Turn a defined memory into an import the host supplies (from a pool when pooling). */
  importMemory: boolean;
  /** Add interruption checks for inline execution (implies an imported memory). */
  interruptible: boolean;
  /** Instance pooling: plan the reset of an instance (and export the mutable globals it sets). @default false */
  resettable?: boolean;
  /**
   * Which of V8's compilers builds the code: `optimized` compiles every
   * function with the optimizing tier (TurboFan) while the module loads, as
   * Wasmtime compiles with Cranelift before the first request; `tiered` is
   * V8's default (each function compiled by the baseline tier, Liftoff, at
   * its first call, and recompiled by TurboFan once it has used up its share
   * of V8's tiering budget). @default 'tiered'
   */
  tier?: ModuleTier;
}

/** How a module's code is compiled (LoadOptions.tier). */
export type ModuleTier = 'optimized' | 'tiered';

/** V8 flags that decide the tiers, and their values when the process started (V8's defaults unless the command line set them). */
const TIER_FLAGS = ['liftoff', 'wasm-lazy-compilation'] as const;

/** True when the process was started with one of the tier flags: then the command line decides and the loader leaves them alone. */
const tierFlagsGiven = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((arg) => TIER_FLAGS.some((flag) => arg.replace(/_/g, '-').replace(/^--no-/, '--') === `--${flag}`));

/**
 * Compiles `bytes` with every function optimized now. Why flags: V8 offers no
 * per-module choice of compiler; its flags are read while a module compiles,
 * and with lazy compilation off every function is compiled before the
 * constructor returns, so the flags are set for this one synchronous compile
 * and put back at once: other modules keep V8's default. Why at all: a fresh instance
 * runs each function once, so a function rarely uses up its tiering budget
 * and a fresh-instance request keeps running baseline code (on `hello`, its
 * run took about 2.5x as long in Liftoff code as in TurboFan code on the
 * machine of runners/wasm/README.md).
 */
function compileOptimized(bytes: Uint8Array): WebAssembly.Module {
  if (tierFlagsGiven) return new WebAssembly.Module(bytes);
  v8.setFlagsFromString('--no-liftoff');
  v8.setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString('--liftoff');
    v8.setFlagsFromString('--wasm-lazy-compilation');
  }
}

/** Default memory cap of one instance, MiB (CellSpec.maxMemoryMib's default). */
export const DEFAULT_MAX_MEMORY_MIB = 256;

/** Default deadline of one request, ms (CellSpec.deadlineMs's default). */
export const DEFAULT_DEADLINE_MS = 10_000;

/** Default output cap of one request (stdout + stderr), bytes. */
export const DEFAULT_OUTPUT_CAP_BYTES = 16 * 1024 * 1024;

const cache = new Map<string, LoadedModule>();

/** Reads a file as a module's bytes; a missing file is a usage error. */
export function readModuleFile(filePath: string): Uint8Array {
  try {
    return fs.readFileSync(filePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${filePath}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(code)}`);
  }
}

/** Loads (or takes from the cache) the module at `filePath` under a memory cap. `options` true/false is the old pooling flag (no interruption checks). */
export function loadModule(filePath: string, maxMemoryMib: number, options: boolean | LoadOptions): LoadedModule {
  const opts = typeof options === 'boolean' ? { importMemory: options, interruptible: false } : options;
  const key = `${filePath}|${maxMemoryMib}|${opts.importMemory}|${opts.interruptible}|${opts.resettable === true}|${opts.tier ?? 'tiered'}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const loaded = loadModuleBytes(readModuleFile(filePath), maxMemoryMib, opts, filePath);
  cache.set(key, loaded);
  return loaded;
}

/** Loads module bytes (no cache). `label` names the input in error messages. */
export function loadModuleBytes(bytes: Uint8Array, maxMemoryMib: number, options: boolean | LoadOptions, label: string): LoadedModule {
  const opts: LoadOptions = typeof options === 'boolean' ? { importMemory: options, interruptible: false } : options;
  const startNs = nowNs();
  assertCoreModule(bytes, label);
  const capPages = Math.floor(maxMemoryMib * PAGES_PER_MIB);
  if (capPages < 1 || capPages > 65536) throw usageError(`--max-memory-mib must be between 1/16 and 4096, got ${maxMemoryMib}`);
  let rewritten = rewriteModule(bytes, capPages, { importMemory: opts.importMemory || opts.interruptible || opts.resettable === true });
  let interruptible = false;
  let notInterruptibleReason: string | null = null;
  let finalBytes = rewritten.bytes;
  if (opts.interruptible) {
    const checked = addInterruptChecks(rewritten.bytes, rewritten.memory.origin === 'none' ? 0 : 1);
    if ('bytes' in checked) {
      finalBytes = checked.bytes;
      interruptible = true;
    } else {
      notInterruptibleReason = `the module uses ${checked.unsupported}, which the interruption rewriter does not know`;
      rewritten = rewriteModule(bytes, capPages, { importMemory: opts.importMemory || opts.resettable === true });
      finalBytes = rewritten.bytes;
    }
  }
  let reset: ResetPlan | null = null;
  let notResettableReason: string | null = null;
  if (opts.resettable) {
    const planned = rewritten.memory.origin === 'imported' ? planReset(finalBytes) : { reason: 'it has no memory of its own to pool' };
    if ('plan' in planned) {
      finalBytes = planned.bytes;
      reset = planned.plan;
    } else notResettableReason = planned.reason;
  }
  let module: WebAssembly.Module;
  try {
    module = opts.tier === 'optimized' ? compileOptimized(finalBytes) : new WebAssembly.Module(finalBytes);
  } catch (error) {
    if (error instanceof WebAssembly.CompileError) throw usageError(`${label} is not a valid WebAssembly module: ${error.message}`);
    throw new BenchError('internal', `compiling ${label} failed`, { cause: error });
  }
  checkModuleShape(module, rewritten.memory);
  return { module, memory: rewritten.memory, artifactBytes: bytes.length, firstLoadNs: nowNs() - startNs, interruptible, notInterruptibleReason, reset, notResettableReason };
}
