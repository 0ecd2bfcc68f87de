/**
 * Runs one module once, the way `wasmtime run` does: the programmatic API
 * behind `wsb run`. The instance runs in a worker with a deadline, a memory
 * cap and exactly the directories and environment granted.
 */
import path from 'node:path';
import { BenchError } from '../../core/errors.ts';
import type { DirGrant } from '../types.ts';
import { InstanceWorker } from './instance-worker.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_MAX_MEMORY_MIB, DEFAULT_OUTPUT_CAP_BYTES, loadModuleBytes, readModuleFile } from './load.ts';
import { resolveGrants } from './sandbox-fs.ts';

/** The engines a module can run on. */
export type EngineName = 'v8' | 'jco';

/** What to run and what it may touch. */
export interface RunModuleOptions {
  modulePath: string;
  /** Guest arguments after argv[0] (which is the module's file name). */
  args: readonly string[];
  /** Environment granted to the guest (nothing of the host's by default). */
  env: Record<string, string>;
  dirs: readonly DirGrant[];
  /** @default 10000 */
  deadlineMs?: number;
  /** @default 256 */
  maxMemoryMib?: number;
  /** @default 'v8' */
  engine?: EngineName;
  /** Bytes on the guest's stdin. @default empty */
  stdin?: Uint8Array;
  signal?: AbortSignal;
}

/** How the guest ended: its output and exit code, or the trap that stopped it. */
export interface RunModuleResult {
  stdout: Uint8Array;
  stderr: string;
  /** proc_exit code (0 when `_start` returned); null when it trapped. */
  exitCode: number | null;
  /** The trap, deadline or cap that stopped the guest, one line; null when it exited. */
  failure: string | null;
}

/** Runs the module once on the V8 engine (the default) or through jco. */
export async function runModule(options: RunModuleOptions): Promise<RunModuleResult> {
  if (options.engine === 'jco') {
    const { runModuleJco } = await import('./jco.ts');
    return runModuleJco(options);
  }
  const bytes = readModuleFile(options.modulePath);
  const loaded = loadModuleBytes(bytes, options.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, false, options.modulePath);
  const grants = resolveGrants(options.dirs);
  const worker = new InstanceWorker({
    apps: [{ module: loaded.module, memory: loaded.memory }],
    pooling: false,
    grants,
    outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES,
    lifecycle: 'cold',
    poolSize: 0,
  });
  return runOnceInWorker(worker, options);
}

/**
 * Sends the module's one run to a worker (V8 or jco) and closes it: a trap,
 * deadline or cap comes back as the result's `failure`, not as an error.
 */
export async function runOnceInWorker(worker: InstanceWorker, options: RunModuleOptions): Promise<RunModuleResult> {
  try {
    const outcome = await worker.send(
      { args: [path.basename(options.modulePath), ...options.args], env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`), stdin: options.stdin ?? new Uint8Array(0) },
      options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      options.signal,
    );
    return { stdout: outcome.stdout, stderr: outcome.stderr, exitCode: outcome.exitCode, failure: outcome.trap };
  } catch (error) {
    if (error instanceof BenchError && error.kind === 'guest') return { stdout: new Uint8Array(0), stderr: '', exitCode: null, failure: error.message };
    throw error;
  } finally {
    await worker.close();
  }
}
