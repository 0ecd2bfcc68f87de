/**
 * `wasm-jco`: the second engine path. The same core module (memory-capped as
 * for the V8 path) is adapted to a component with the WASI preview1 adapter
 * jco ships (`jco new`), transpiled to JS glue plus core modules (`jco
 * transpile`, instantiation mode), and run in a worker with a fresh component
 * instance per request against the grant-enforcing preview2 host of
 * jco-host.ts, never preview2-shim. Only the cold lifecycle: a transpiled
 * component's instance is not meant to be re-entered for a second `run`.
 * Reported as its own engine column; its figures are never mixed with the
 * V8 host's.
 *
 * The workloads export `cabi_realloc` (fixtures/src/wsb.c) so that the
 * adapter takes its state from the module's heap: without it the adapter grew
 * memory by one page behind malloc's back, Debian's (2022) wasi-libc then
 * initialised its heap over that page, and a guest that allocated enough
 * (`mem`, `memory-grow`) overwrote the adapter's state ("assertion failed at
 * adapter line 2857").
 *
 * Known limit, still open: an environment variable with an EMPTY value (echo's
 * `get-empty` request: QUERY_STRING=) reaches the guest as the next variable
 * ("CONTENT_LENGTH=0"), although this host hands over ["QUERY_STRING", ""].
 * Our reading of the generated guest.js (not confirmed upstream): jco lowers
 * an empty string as (ptr 1, len 0) without calling the guest's realloc,
 * while the preview1 adapter lays the environment strings out in the order
 * of its realloc calls, so the empty value takes no slot and the next string
 * lands in it. The portability suite shows it as a mismatch of this adapted
 * path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { nowNs } from '../../core/clock.ts';
import { usageError } from '../../core/errors.ts';
import { sha256Hex, type Workload } from '../../fixtures/manifest.ts';
import type { Availability, Cell, CellSpec, InvokeResult, Preparation, Runner, WorkloadRequest } from '../types.ts';
import { cgiEnvironment } from '../wagi.ts';
import { PAGES_PER_MIB, rewriteModule, assertCoreModule } from './binary.ts';
import { envList, toInvokeResult } from './index.ts';
import { InstanceWorker, readyCell, ReplacingWorker } from './instance-worker.ts';
import type { JcoWorkerInit } from './jco-worker.ts';
import { DEFAULT_DEADLINE_MS, DEFAULT_MAX_MEMORY_MIB, DEFAULT_OUTPUT_CAP_BYTES, loadModuleBytes, readModuleFile } from './load.ts';
import type { WorkerInit } from './protocol.ts';
import { runOnceInWorker, type RunModuleOptions, type RunModuleResult } from './run-module.ts';
import { resolveGrants, type ResolvedGrant } from './sandbox-fs.ts';

const JCO_WORKER_URL = new URL('./jco-worker.ts', import.meta.url);

/** Where transpiled components are cached, by the sha256 of the capped core module. */
export const JCO_CACHE_DIR = path.join(os.tmpdir(), 'wsb-jco-cache');

/** A component ready to instantiate: its JS glue on disk and its core modules compiled. */
export interface TranspiledComponent {
  glueUrl: string;
  coreModules: Record<string, WebAssembly.Module>;
  firstLoadNs: number;
  artifactBytes: number;
}

const transpiled = new Map<string, Promise<TranspiledComponent>>();

/**
 * Adapts and transpiles a core module (capped at `maxMemoryMib`) once per
 * process; the transpiled files are cached on disk by content digest.
 */
export function transpileModule(bytes: Uint8Array, maxMemoryMib: number, label: string): Promise<TranspiledComponent> {
  assertCoreModule(bytes, label);
  // Checks imports and exports with the V8 path's rules first, so bad input fails the same way on both engines.
  loadModuleBytes(bytes, maxMemoryMib, false, label);
  const capped = rewriteModule(bytes, Math.floor(maxMemoryMib * PAGES_PER_MIB)).bytes;
  const digest = sha256Hex(capped);
  let pending = transpiled.get(digest);
  if (!pending) {
    pending = transpileUncached(capped, digest, bytes.length);
    transpiled.set(digest, pending);
    pending.catch(() => transpiled.delete(digest));
  }
  return pending;
}

async function transpileUncached(capped: Uint8Array, digest: string, artifactBytes: number): Promise<TranspiledComponent> {
  const startNs = nowNs();
  const dir = path.join(JCO_CACHE_DIR, digest);
  const gluePath = path.join(dir, 'guest.js');
  if (!fs.existsSync(gluePath)) {
    const jco = await import('@bytecodealliance/jco');
    const adapter = fs.readFileSync(jco.preview1AdapterCommandPath());
    const component = await jco.componentNew(capped, [['wasi_snapshot_preview1', adapter]]);
    const output = await jco.transpile(component, { name: 'guest', instantiation: 'sync', noTypescript: true, quiet: true });
    const staging = `${dir}.${process.pid}.tmp`;
    for (const [name, content] of Object.entries(output.files)) {
      fs.mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
      fs.writeFileSync(path.join(staging, name), content);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  }
  const coreModules: Record<string, WebAssembly.Module> = {};
  for (const name of fs.readdirSync(dir).filter((file) => file.endsWith('.wasm'))) {
    coreModules[name] = new WebAssembly.Module(fs.readFileSync(path.join(dir, name)));
  }
  return { glueUrl: pathToFileURL(gluePath).href, coreModules, firstLoadNs: nowNs() - startNs, artifactBytes };
}

function startWorker(component: TranspiledComponent, grants: ResolvedGrant[]): InstanceWorker {
  const init: JcoWorkerInit = { glueUrl: component.glueUrl, coreModules: component.coreModules, grants, outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES };
  return new InstanceWorker(init as unknown as WorkerInit, JCO_WORKER_URL);
}

/** Runs a module once through jco: the `--engine jco` of `wsb run`. */
export async function runModuleJco(options: RunModuleOptions): Promise<RunModuleResult> {
  const component = await transpileModule(readModuleFile(options.modulePath), options.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, options.modulePath);
  return runOnceInWorker(startWorker(component, resolveGrants(options.dirs)), options);
}

class JcoCell implements Cell {
  readonly runner = 'wasm-jco';
  readonly config = 'default';
  readonly lifecycle = 'cold' as const;
  readonly workload: string;
  private readonly grants: ResolvedGrant[];
  private readonly deadlineMs: number;
  private readonly extraEnv: Record<string, string>;
  private readonly worker: ReplacingWorker;

  constructor(spec: CellSpec, component: TranspiledComponent) {
    this.workload = spec.workload.name;
    this.grants = resolveGrants(spec.dirs ?? []);
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.extraEnv = spec.env ?? {};
    this.worker = new ReplacingWorker(() => startWorker(component, this.grants));
  }

  whenReady(): Promise<void> {
    return this.worker.whenReady();
  }

  async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    const message = { args: [this.workload], env: envList({ ...this.extraEnv, ...cgiEnvironment(request) }), stdin: request.body };
    return toInvokeResult(await this.worker.send(message, this.deadlineMs, signal), false);
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}

/** The `wasm-jco` runner. */
export function createJcoRunner(): Runner {
  return {
    name: 'wasm-jco',
    description:
      'the same module adapted to a component (jco new, preview1 command adapter) and transpiled by jco, run on V8 against the suite\'s own grant-enforcing preview2 host (not preview2-shim); escapes reach the guest as EPERM (preview2 has no ENOTCAPABLE); guest-created symlinks are refused; cold lifecycle only',
    configurations: ['default'],
    lifecycles: ['cold'],
    async availability(): Promise<Availability> {
      try {
        const jco = await import('@bytecodealliance/jco');
        return fs.existsSync(jco.preview1AdapterCommandPath()) ? { status: 'available', detail: 'jco with its preview1 command adapter' } : { status: 'unavailable', reason: 'jco ships no preview1 command adapter here' };
      } catch (error) {
        return { status: 'unavailable', reason: `@bytecodealliance/jco cannot be loaded: ${(error as Error).message}` };
      }
    },
    async prepare(workload: Workload, config: string): Promise<Preparation> {
      if (config !== 'default') throw usageError(`unknown configuration "${config}" for runner wasm-jco (configurations: default)`);
      const component = await transpileModule(readModuleFile(workload.wasmPath), DEFAULT_MAX_MEMORY_MIB, workload.wasmPath);
      return { firstLoadNs: component.firstLoadNs, artifactBytes: component.artifactBytes, detail: 'jco new + jco transpile (cached on disk by digest) + compile of the core modules' };
    },
    async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
      signal?.throwIfAborted();
      if (spec.lifecycle !== 'cold') throw usageError(`runner wasm-jco has only the cold lifecycle, not ${spec.lifecycle}`);
      const component = await transpileModule(readModuleFile(spec.workload.wasmPath), spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, spec.workload.wasmPath);
      return readyCell(new JcoCell(spec, component));
    },
  };
}
