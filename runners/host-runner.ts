/**
 * A runner on an external engine host (runners/engine-host.ts): one host
 * process per cell, the workload compiled once in it, a fresh instance per
 * cold request, one loop-mode instance for warm. The Wasmtime and wazero
 * runners differ only in how their host is started and found.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BenchError, usageError } from '../core/errors.ts';
import { processUsage } from '../core/proc.ts';
import { sleep } from '../core/clock.ts';
import type { Workload } from '../fixtures/manifest.ts';
import { dirsForHost, EngineHost, hostInvokeResult } from './engine-host.ts';
import type { AppsCell, AppsSpec, Availability, Cell, CellSpec, IdleCost, InvokeResult, Lifecycle, MultiAppRunner, Preparation, WorkloadRequest } from './types.ts';
import { cgiEnvironment, encodeRequestFrame, LOOP_ARG } from './wagi.ts';

/** The repository root (engines and caches live under it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where compiled artifacts of the engines are cached. */
export const ENGINE_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'engines');

/** Defaults of a cell spec (runners/types.ts). */
const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_MAX_MEMORY_MIB = 256;

/** Time a host gets to compile one module, ms. */
const LOAD_TIMEOUT_MS = 120_000;

/** How one engine's host is found and started. */
export interface HostLauncher {
  /** Runner name, e.g. `wasm-wasmtime`. */
  name: string;
  description: string;
  configurations: readonly string[];
  /** Names the host in errors. */
  label: string;
  /** Null when the host can be started, else what is missing and how to get it. */
  missing(signal?: AbortSignal): Promise<string | null>;
  /** A one-line description of the engine when available (version). */
  detail(signal?: AbortSignal): Promise<string>;
  /** Command and arguments that start the host for a configuration. */
  command(config: string, maxMemoryMib: number): { command: string; args: string[] };
}

/** A runner whose cells run inside an engine host. */
export class HostRunner implements MultiAppRunner {
  readonly name: string;
  readonly description: string;
  readonly configurations: readonly string[];
  readonly lifecycles: readonly Lifecycle[] = ['cold', 'warm'];
  private readonly launcher: HostLauncher;

  constructor(launcher: HostLauncher) {
    this.launcher = launcher;
    this.name = launcher.name;
    this.description = launcher.description;
    this.configurations = launcher.configurations;
  }

  async availability(signal?: AbortSignal): Promise<Availability> {
    const missing = await this.launcher.missing(signal);
    if (missing) return { status: 'unavailable', reason: missing };
    return { status: 'available', detail: await this.launcher.detail(signal) };
  }

  async prepare(workload: Workload, config: string, signal?: AbortSignal): Promise<Preparation> {
    const host = await this.startHost(config, DEFAULT_MAX_MEMORY_MIB, signal);
    try {
      // First load: a compile from the bytes, bypassing the artifact cache.
      const loaded = await host.request({ op: 'load', app: workload.name, path: workload.wasmPath, useCache: false }, undefined, LOAD_TIMEOUT_MS, signal);
      return { firstLoadNs: Number(loaded.header['compileNs']), artifactBytes: workload.bytes, detail: `${host.engine}: ${String(loaded.header['detail'])}` };
    } finally {
      await host.close();
    }
  }

  async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
    if (!this.lifecycles.includes(spec.lifecycle)) throw usageError(`runner ${this.name} has no ${spec.lifecycle} lifecycle (lifecycles: ${this.lifecycles.join(', ')})`);
    const config = this.checkConfig(spec.config);
    const host = await this.startHost(config, spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, signal);
    try {
      await host.request({ op: 'load', app: spec.workload.name, path: spec.workload.wasmPath }, undefined, LOAD_TIMEOUT_MS, signal);
    } catch (error) {
      await host.close();
      throw error;
    }
    return new HostCell(this.name, config, spec, host);
  }

  async openApps(spec: AppsSpec, signal?: AbortSignal): Promise<AppsCell> {
    const config = this.checkConfig(spec.config);
    if ((spec.lifecycle ?? 'cold') !== 'cold') throw usageError(`runner ${this.name} has no ${spec.lifecycle} lifecycle for many apps (cold only)`);
    const host = await this.startHost(config, spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, signal);
    try {
      // Why no artifact cache: a load of fresh apps measures the engine's compile, and caching thousands of throwaway variants on disk would add writes now and cache hits on the next run.
      for (const [index, app] of spec.apps.entries()) {
        await host.request({ op: 'load', app: String(index), useCache: false }, app.bytes, LOAD_TIMEOUT_MS, signal);
      }
    } catch (error) {
      await host.close();
      throw error;
    }
    return new HostAppsCell(this.name, config, spec, host);
  }

  private checkConfig(config: string | undefined): string {
    const name = config ?? (this.configurations[0] as string);
    if (!this.configurations.includes(name)) throw usageError(`unknown configuration "${name}" for runner ${this.name} (configurations: ${this.configurations.join(', ')})`);
    return name;
  }

  private async startHost(config: string, maxMemoryMib: number, signal?: AbortSignal): Promise<EngineHost> {
    const missing = await this.launcher.missing(signal);
    if (missing) throw new BenchError('unavailable', `${this.name}: ${missing}`);
    const { command, args } = this.launcher.command(config, maxMemoryMib);
    return EngineHost.start({ command, args, label: this.launcher.label }, signal);
  }
}

/** One workload in one host: cold requests get fresh instances, warm ones the host's loop-mode instance. */
class HostCell implements Cell {
  readonly runner: string;
  readonly config: string;
  readonly lifecycle: Lifecycle;
  readonly workload: string;
  private readonly host: EngineHost;
  private readonly deadlineMs: number;
  private readonly extraEnv: Record<string, string>;
  private readonly dirs: ReturnType<typeof dirsForHost>;

  constructor(runner: string, config: string, spec: CellSpec, host: EngineHost) {
    this.runner = runner;
    this.config = config;
    this.lifecycle = spec.lifecycle;
    this.workload = spec.workload.name;
    this.host = host;
    this.deadlineMs = spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.extraEnv = spec.env ?? {};
    this.dirs = dirsForHost(spec.dirs);
  }

  async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    if (!this.host.alive) throw new BenchError('internal', `${this.host.label} is not running`);
    const common = { app: this.workload, dirs: this.dirs, deadlineMs: this.deadlineMs };
    const message =
      this.lifecycle === 'warm'
        ? await this.host.request({ op: 'warm', ...common, args: [this.workload, LOOP_ARG], env: this.extraEnv }, encodeRequestFrame(request, this.extraEnv), this.deadlineMs, signal)
        : await this.host.request({ op: 'invoke', ...common, args: [this.workload], env: { ...this.extraEnv, ...cgiEnvironment(request) } }, request.body, this.deadlineMs, signal);
    return hostInvokeResult(this.host.label, message);
  }

  async idleCost(): Promise<IdleCost> {
    const pid = this.host.pid;
    const before = pid === undefined ? null : await processUsage(pid);
    // A short window: the host is idle between requests, so its CPU use should be near zero.
    const windowMs = 500;
    await sleep(windowMs);
    const after = pid === undefined ? null : await processUsage(pid);
    if (!before || !after) return { slots: 0, rssBytes: 0, cpuCores: 0, method: 'host process gone' };
    return {
      slots: this.lifecycle === 'warm' ? 1 : 0,
      rssBytes: after.rssBytes,
      cpuCores: (after.cpuNs - before.cpuNs) / (windowMs * 1e6),
      method: `resident set of the engine host process (engine, compiled module and the one warm instance) over ${windowMs} ms`,
    };
  }

  close(): Promise<void> {
    return this.host.close();
  }
}

/** Many distinct apps in one host; every request gets a fresh instance of its app. */
class HostAppsCell implements AppsCell {
  readonly runner: string;
  readonly config: string;
  readonly lifecycle = 'cold' as const;
  readonly appCount: number;
  private readonly host: EngineHost;
  private readonly spec: AppsSpec;

  constructor(runner: string, config: string, spec: AppsSpec, host: EngineHost) {
    this.runner = runner;
    this.config = config;
    this.appCount = spec.apps.length;
    this.spec = spec;
    this.host = host;
  }

  async invoke(appIndex: number, request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    const app = this.spec.apps[appIndex];
    if (!app) throw usageError(`app index ${appIndex} out of range (0..${this.appCount - 1})`);
    const deadlineMs = this.spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const message = await this.host.request({ op: 'invoke', app: String(appIndex), args: [app.id], env: cgiEnvironment(request), dirs: [], deadlineMs }, request.body, deadlineMs, signal);
    return hostInvokeResult(this.host.label, message);
  }

  async residentBytes(): Promise<number> {
    const pid = this.host.pid;
    return pid === undefined ? 0 : ((await processUsage(pid))?.rssBytes ?? 0);
  }

  close(): Promise<void> {
    return this.host.close();
  }
}
