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
   * Tier-up at first call: every function of the module is handed to V8's
   * optimizing compiler (TurboFan, in the background) right after its first
   * call, instead of once it has used up V8's tiering budget. A module's
   * budget is shared by its instances, but a fresh instance runs each
   * function about once per request, so with V8's default a fresh-instance
   * request keeps running baseline (Liftoff) code for thousands of requests:
   * on `hello`, the run after instantiation took about twice as long as with
   * the optimized code (runners/wasm/README.md). Wasmtime compiles every
   * function with Cranelift, its optimizing compiler, before the first
   * request. @default false (V8's default budget: what many-apps hosts use,
   * where most apps serve few requests and optimizing each would cost more
   * than it saves)
   */
  tierUpAtFirstCall?: boolean;
}

/**
 * V8's default `--wasm-tiering-budget` in the Node this project targets (`node
 * --v8-options` prints it; test/runners/wasm/tiering-budget-default.test.ts
 * checks that the running Node agrees, so a Node whose V8 changed it fails
 * loudly instead of leaving a different budget behind).
 */
export const V8_DEFAULT_TIERING_BUDGET = 13_000_000;

/**
 * V8's `--wasm-max-committed-code-mb` default: the most compiled Wasm code one
 * process holds; V8 stops the process ("Exceeding maximum wasm committed code
 * space") when a compile would pass it. In this V8 the flag cannot raise it
 * past 4 GiB: larger values wrap around modulo 4 GiB (measured: 4196 stops a
 * process at 100 MiB, 23000 at 2,642,411,520 bytes). At the 68-85 KiB of code
 * a served `hello` app commits, that is 50,000-60,000 apps per process
 * (runners/wasm/README.md). Checked against `node --v8-options` like the
 * tiering budget.
 */
export const V8_MAX_COMMITTED_WASM_CODE_MIB = 4095;

/** True when the process was started with a tiering budget of its own: then the command line decides and the loader leaves it alone. */
const budgetGiven = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((arg) => arg.replace(/_/g, '-').startsWith('--wasm-tiering-budget'));

/**
 * Compiles `bytes` so that each function is tiered up at its first call. Why
 * a flag: V8 offers no per-module setting, but it gives a new module its
 * tiering budget from the flag when the module is created, so the flag is set
 * to 1 for this one synchronous compile and put back at once; other modules
 * keep V8's default. Why not compile every function with TurboFan up front
 * (`--no-liftoff --no-wasm-lazy-compilation`): on Node 24 each instance of
 * such a module adds to V8's external-memory count, which starts a full
 * garbage collection every few hundred instances (measured in
 * runners/wasm/README.md), and it compiles functions no request calls.
 */
function compileTieringUpAtFirstCall(bytes: Uint8Array): WebAssembly.Module {
  if (budgetGiven) return new WebAssembly.Module(bytes);
  v8.setFlagsFromString('--wasm-tiering-budget=1');
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    v8.setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIERING_BUDGET}`);
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
  const key = `${filePath}|${maxMemoryMib}|${opts.importMemory}|${opts.interruptible}|${opts.resettable === true}|${opts.tierUpAtFirstCall === true}`;
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
  let rewritten = rewriteModule(bytes, capPages, { importMemory: opts.importMemory || opts.interruptible || opts.resettable === true, commandExportsOnly: true });
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
      rewritten = rewriteModule(bytes, capPages, { importMemory: opts.importMemory || opts.resettable === true, commandExportsOnly: true });
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
    module = opts.tierUpAtFirstCall ? compileTieringUpAtFirstCall(finalBytes) : new WebAssembly.Module(finalBytes);
  } catch (error) {
    if (error instanceof WebAssembly.CompileError) throw usageError(`${label} is not a valid WebAssembly module: ${error.message}`);
    throw new BenchError('internal', `compiling ${label} failed`, { cause: error });
  }
  checkModuleShape(module, rewritten.memory);
  return { module, memory: rewritten.memory, artifactBytes: bytes.length, firstLoadNs: nowNs() - startNs, interruptible, notInterruptibleReason, reset, notResettableReason };
}
