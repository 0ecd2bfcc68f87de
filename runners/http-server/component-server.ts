/**
 * What `wasmtime serve` and `spin up` share as runners: they serve a
 * workload's committed wasi:http component (fixtures/components/, see
 * fixtures/component.ts) with a fresh instance per request (lifecycle
 * `cold`), started as a process on a loopback port. Each runner says how to
 * find its command and which command line serves a component.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchError } from '../../core/errors.ts';
import { cannedRequest, type Workload } from '../../fixtures/manifest.ts';
import { runCommand } from '../../fixtures/native.ts';
import type { Availability, Cell, CellSpec, Preparation, ServerHandle, ServerRunner, ServerSpec } from '../types.ts';
import { checkedConfig, openServerCell, processResident } from './server-cell.ts';
import { startServerProcess, type ServerCommand } from './server-process.ts';

/** A server command found on this machine. */
export interface LocatedCommand {
  path: string;
  /** First line of its version output. */
  version: string;
}

/** What to serve and how. */
export interface ServeRequest {
  componentPath: string;
  config: string;
  maxMemoryMib: number;
  /** The compile cache folder this start may use (an empty one for a first load). */
  cacheDir: string;
  /** A scratch folder of this start (removed after the server stopped). */
  workDir: string;
}

/** The differences between component servers. */
export interface ComponentServerDefinition {
  name: string;
  description: string;
  configurations: readonly string[];
  /** Finds the command, or says why it is not usable here (one line, what to do). */
  locate(): Promise<LocatedCommand | { reason: string }>;
  /** The command line that serves a component. */
  command(located: LocatedCommand, serve: ServeRequest): ServerCommand;
  /** The compile cache shared by every start after the first load. */
  cacheDir: string;
}

const DEFAULT_MAX_MEMORY_MIB = 256;

/** The committed component of a workload, or a usage error naming the workloads that have one. */
export function componentOf(workload: Workload): string {
  if (!workload.component) throw new BenchError('usage', `workload ${workload.name} has no wasi:http component (the benchmark workloads hello, echo, cpu and mem have one; probes do not)`);
  if (!fs.existsSync(workload.component.path)) throw new BenchError('unavailable', `the ${workload.name} component is missing at ${workload.component.path}: run npm run fixtures`);
  return workload.component.path;
}

/** First line of `command args`, or null when it fails. */
export async function commandVersion(command: string, args: string[]): Promise<string | null> {
  const out = await runCommand(command, args).catch(() => null);
  if (!out || out.exitCode !== 0) return null;
  return out.stdout.toString('utf8').split('\n').find((line) => line.trim() !== '')?.trim() ?? null;
}

/** A runner serving components with the given definition. */
export function createComponentServerRunner(definition: ComponentServerDefinition): ServerRunner {
  let located: Promise<LocatedCommand | { reason: string }> | undefined;
  const locate = (): Promise<LocatedCommand | { reason: string }> => (located ??= definition.locate());
  const usable = async (): Promise<LocatedCommand> => {
    const found = await locate();
    if ('reason' in found) throw new BenchError('unavailable', `${definition.name}: ${found.reason}`);
    return found;
  };

  /** Starts a server with its own scratch folder; the folder goes when the server stops. */
  const start = async (spec: ServerSpec, cacheDir: string, signal?: AbortSignal): Promise<ServerHandle> => {
    const config = checkedConfig(runner, spec.config);
    const command = await usable();
    const componentPath = componentOf(spec.workload);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `wsb-${definition.name}-`));
    const removeWorkDir = (): void => fs.rmSync(workDir, { recursive: true, force: true });
    try {
      const server = await startServerProcess(definition.command(command, { componentPath, config, maxMemoryMib: spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB, cacheDir, workDir }), {
        probe: cannedRequest(spec.workload),
        readyTimeoutMs: spec.readyTimeoutMs,
        signal,
      });
      return {
        runner: definition.name,
        config,
        lifecycle: 'cold',
        workload: spec.workload.name,
        url: server.url,
        startNs: server.startNs,
        pids: () => [server.pid],
        resident: () => processResident([server.pid]),
        async close() {
          await server.close();
          removeWorkDir();
        },
      };
    } catch (error) {
      removeWorkDir();
      throw error;
    }
  };

  const runner: ServerRunner = {
    name: definition.name,
    description: definition.description,
    configurations: definition.configurations,
    lifecycles: ['cold'],
    serverLifecycle: 'cold',

    async availability(): Promise<Availability> {
      const found = await locate();
      return 'reason' in found ? { status: 'unavailable', reason: found.reason } : { status: 'available', detail: `${found.version} (${found.path})` };
    },

    async prepare(workload: Workload, config: string, signal?: AbortSignal): Promise<Preparation> {
      // Why an empty cache: the first load is the compile of a component never seen; later starts read the shared cache.
      const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), `wsb-${definition.name}-cache-`));
      try {
        const server = await start({ workload, config }, emptyCache, signal);
        await server.close();
        return {
          firstLoadNs: server.startNs,
          artifactBytes: workload.component?.bytes ?? 0,
          detail: `first start with an empty compile cache (compile + start + first response) of ${path.basename(componentOf(workload))}`,
        };
      } finally {
        fs.rmSync(emptyCache, { recursive: true, force: true });
      }
    },

    startServer(spec: ServerSpec, signal?: AbortSignal): Promise<ServerHandle> {
      fs.mkdirSync(definition.cacheDir, { recursive: true });
      return start(spec, definition.cacheDir, signal);
    },

    open: (spec: CellSpec, signal?: AbortSignal): Promise<Cell> => openServerCell(runner, spec, signal),
  };
  return runner;
}
