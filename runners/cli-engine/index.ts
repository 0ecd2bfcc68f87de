/**
 * Wasm engines run as a command, one process per request: a user's own
 * `wasmtime`, `wazero`, `wasmedge` (or `spin`) found on PATH (`wasm-cli-<name>`),
 * and the project's pinned `wazero run` (`wasm-wazero-run`). The figures are
 * the CLI layer: process spawn + engine start + module load (from the engine's
 * cache where it has one) + run, timed from Node; L0 is not separable there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { nowNs } from '../../core/clock.ts';
import { BenchError, usageError } from '../../core/errors.ts';
import { findOnPath } from '../../core/tools.ts';
import type { Workload } from '../../fixtures/manifest.ts';
import { ENGINE_CACHE_DIR } from '../host-runner.ts';
import type { Availability, Cell, CellSpec, DirGrant, InvokeResult, Lifecycle, Preparation, Runner, WorkloadRequest } from '../types.ts';
import { cgiEnvironment, MalformedResponseError, parseCgiResponse } from '../wagi.ts';

/** Defaults of a cell spec (runners/types.ts). */
const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_MAX_MEMORY_MIB = 256;

/** Grace past the deadline given to the engine's own timeout before the process is killed, ms. */
const KILL_GRACE_MS = 2000;

/** Output kept per stream. */
const OUTPUT_CAP_BYTES = 16 * 1024 * 1024;

/** What one run of the command needs. */
export interface CommandRun {
  wasmPath: string;
  args: readonly string[];
  env: Record<string, string>;
  dirs: readonly DirGrant[];
  deadlineMs: number;
  maxMemoryMib: number;
}

/** How one engine's command is found and called. */
export interface CliEngine {
  /** Runner name. */
  name: string;
  description: string;
  /** The executable's absolute path, or null when absent. */
  locate(): string | null;
  /** Why it is unavailable when `locate` found nothing (what is missing, how to get it). */
  missingReason: string;
  /** When set, the engine was found but cannot run a workload per request; the reason. */
  unsupported?: string;
  /** Arguments that run one request. */
  runArgs(run: CommandRun): string[];
  /** Arguments that only compile (and cache) the module, when the CLI has such a command. */
  compileArgs?(wasmPath: string, cacheDir: string): string[];
  /** Arguments that print the version. @default ['--version'] */
  versionArgs?: string[];
}

/** The absolute path of `command` on PATH, or null (core/tools.ts). */
export { findOnPath };

function engineProcessEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'SYSTEMROOT']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** Output of one command run. */
interface CommandOutput {
  exitCode: number | null;
  signalName: string | null;
  stdout: Buffer;
  stderr: string;
  durationNs: number;
  killedAtDeadline: boolean;
}

/** Runs a command once with stdin bytes; kills it past `killAfterMs` or on abort. */
function runCommand(command: string, args: readonly string[], stdin: Uint8Array, killAfterMs: number, signal?: AbortSignal): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    // L1 of the CLI layer: from the spawn to the collected output of the exited process.
    const startedNs = nowNs();
    // The engine process gets PATH and HOME only; the guest gets only what the flags grant.
    const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: engineProcessEnv() });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let killedAtDeadline = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdoutBytes < OUTPUT_CAP_BYTES) stdout.push(chunk);
      stdoutBytes += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 4096) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    const timer = setTimeout(() => {
      killedAtDeadline = true;
      child.kill('SIGKILL');
    }, killAfterMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(new BenchError('unavailable', `${command} could not start: ${error.message}`));
    });
    child.on('close', (exitCode, signalName) => {
      const durationNs = nowNs() - startedNs;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(signal.reason);
      resolve({ exitCode, signalName, stdout: Buffer.concat(stdout), stderr, durationNs, killedAtDeadline });
    });
  });
}

/** A runner that runs each request as one command. */
export class CliEngineRunner implements Runner {
  readonly name: string;
  readonly description: string;
  readonly configurations: readonly string[] = ['default'];
  readonly lifecycles: readonly Lifecycle[] = ['cold'];
  private readonly engine: CliEngine;

  constructor(engine: CliEngine) {
    this.engine = engine;
    this.name = engine.name;
    this.description = engine.description;
  }

  async availability(signal?: AbortSignal): Promise<Availability> {
    const command = this.engine.locate();
    if (!command) return { status: 'unavailable', reason: this.engine.missingReason };
    if (this.engine.unsupported) return { status: 'unavailable', reason: this.engine.unsupported };
    try {
      const output = await runCommand(command, this.engine.versionArgs ?? ['--version'], new Uint8Array(0), 10_000, signal);
      const version = output.stdout.toString('utf8').trim().split('\n')[0] ?? '';
      if (output.exitCode !== 0) return { status: 'unavailable', reason: `${command} ${(this.engine.versionArgs ?? ['--version']).join(' ')} failed (exit ${output.exitCode}): ${output.stderr.trim().split('\n')[0] ?? ''}` };
      return { status: 'available', detail: `${command}: ${version} (a process per request)` };
    } catch (error) {
      if (signal?.aborted) throw error;
      return { status: 'unavailable', reason: `${command} does not run: ${(error as Error).message}` };
    }
  }

  async prepare(workload: Workload, _config: string, signal?: AbortSignal): Promise<Preparation> {
    const command = this.requireCommand();
    if (!this.engine.compileArgs) return { firstLoadNs: 0, artifactBytes: workload.bytes, detail: `${this.name} has no separate compile step: every request loads the module` };
    // First load: a compile into an empty cache, so nothing cached is reused.
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-cli-cache-'));
    try {
      const output = await runCommand(command, this.engine.compileArgs(workload.wasmPath, cacheDir), new Uint8Array(0), 120_000, signal);
      if (output.exitCode !== 0) throw new BenchError('guest', `${this.name}: compile failed: ${output.stderr.trim().split('\n')[0] ?? ''}`);
      return { firstLoadNs: output.durationNs, artifactBytes: workload.bytes, detail: `${path.basename(command)} compile into an empty cache, process spawn included` };
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  }

  async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
    if (spec.lifecycle !== 'cold') throw usageError(`runner ${this.name} has only the cold lifecycle (a process per request)`);
    if (spec.config !== undefined && spec.config !== 'default') throw usageError(`unknown configuration "${spec.config}" for runner ${this.name} (configurations: default)`);
    const command = this.requireCommand();
    if (this.engine.compileArgs) {
      // Fill the engine's cache once, so requests measure the cached path as a deployed CLI would.
      const output = await runCommand(command, this.engine.compileArgs(spec.workload.wasmPath, cliCacheDir(this.name)), new Uint8Array(0), 120_000, signal);
      if (output.exitCode !== 0) throw new BenchError('guest', `${this.name}: compile failed: ${output.stderr.trim().split('\n')[0] ?? ''}`);
    }
    return new CliEngineCell(this.name, this.engine, command, spec);
  }

  private requireCommand(): string {
    const command = this.engine.locate();
    if (!command) throw new BenchError('unavailable', `${this.name}: ${this.engine.missingReason}`);
    if (this.engine.unsupported) throw new BenchError('unavailable', `${this.name}: ${this.engine.unsupported}`);
    return command;
  }
}

/** The compilation cache of a CLI engine runner. */
export function cliCacheDir(runnerName: string): string {
  return path.join(ENGINE_CACHE_DIR, runnerName);
}

class CliEngineCell implements Cell {
  readonly runner: string;
  readonly config = 'default';
  readonly lifecycle: Lifecycle = 'cold';
  readonly workload: string;
  private readonly engine: CliEngine;
  private readonly command: string;
  private readonly spec: CellSpec;

  constructor(runner: string, engine: CliEngine, command: string, spec: CellSpec) {
    this.runner = runner;
    this.engine = engine;
    this.command = command;
    this.spec = spec;
    this.workload = spec.workload.name;
  }

  async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
    const deadlineMs = this.spec.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const args = this.engine.runArgs({
      wasmPath: this.spec.workload.wasmPath,
      args: [],
      env: { ...(this.spec.env ?? {}), ...cgiEnvironment(request) },
      dirs: this.spec.dirs ?? [],
      deadlineMs,
      maxMemoryMib: this.spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB,
    });
    const output = await runCommand(this.command, args, request.body, deadlineMs + KILL_GRACE_MS, signal);
    if (output.killedAtDeadline) throw new BenchError('guest', `${this.runner}: deadline of ${deadlineMs} ms exceeded (process killed)`);
    try {
      return { response: parseCgiResponse(output.stdout), instantiateNs: null, invokeNs: output.durationNs, exitCode: output.exitCode, stderr: output.stderr };
    } catch (error) {
      if (error instanceof MalformedResponseError) {
        throw new BenchError('guest', `${this.runner}: no response (exit ${output.exitCode ?? output.signalName}): ${error.message}${output.stderr ? `; stderr: ${output.stderr.trim().split('\n')[0]}` : ''}`);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    // Nothing stays running between requests.
  }
}

function envFlags(flag: string, env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([key, value]) => [flag, `${key}=${value}`]);
}

/** `wazero run` arguments (shared by the project's pinned wazero and a user's). */
export function wazeroRunArgs(cacheDir: string): (run: CommandRun) => string[] {
  return (run) => [
    'run',
    `-cachedir=${cacheDir}`,
    `-timeout=${run.deadlineMs}ms`,
    ...envFlags('-env', run.env),
    ...run.dirs.map((grant) => `-mount=${grant.hostPath}:${grant.guestPath}${grant.writable ? '' : ':ro'}`),
    run.wasmPath,
    ...(run.args.length ? ['--', ...run.args] : []),
  ];
}

/** The CLI engines looked for on PATH, by command name. */
export const PATH_ENGINES = ['wasmtime', 'wazero', 'wasmedge', 'spin'] as const;

/** A runner for a user's own engine command on PATH (`wasm-cli-<command>`). */
export function createPathEngineRunner(command: (typeof PATH_ENGINES)[number], searchPath?: string): CliEngineRunner {
  const name = `wasm-cli-${command}`;
  const base = {
    name,
    locate: () => findOnPath(command, searchPath),
    missingReason: `command ${command} not found on PATH`,
  };
  const layer = 'a process per request (spawn + engine start + module load + run), timed from Node';
  switch (command) {
    case 'wasmtime':
      return new CliEngineRunner({
        ...base,
        description: `the user's wasmtime command on PATH, ${layer}`,
        runArgs: (run) => [
          'run',
          `-Wtimeout=${run.deadlineMs}ms`,
          `-Wmax-memory-size=${run.maxMemoryMib * 1024 * 1024}`,
          ...envFlags('--env', run.env),
          ...run.dirs.flatMap((grant) => ['--dir', `${grant.hostPath}::${grant.guestPath}`]),
          run.wasmPath,
          ...run.args,
        ],
      });
    case 'wazero': {
      const cacheDir = cliCacheDir(name);
      return new CliEngineRunner({
        ...base,
        description: `the user's wazero command on PATH (\`wazero run -cachedir\`), ${layer}`,
        versionArgs: ['version'],
        runArgs: wazeroRunArgs(cacheDir),
        compileArgs: (wasmPath, dir) => ['compile', `-cachedir=${dir}`, wasmPath],
      });
    }
    case 'wasmedge':
      return new CliEngineRunner({
        ...base,
        description: `the user's wasmedge command on PATH, ${layer}`,
        runArgs: (run) => [
          `--time-limit=${run.deadlineMs}`,
          `--memory-page-limit=${run.maxMemoryMib * 16}`,
          ...envFlags('--env', run.env),
          ...run.dirs.map((grant) => `--dir=${grant.guestPath}:${grant.hostPath}${grant.writable ? '' : ':readonly'}`),
          run.wasmPath,
          ...run.args,
        ],
      });
    case 'spin':
      return new CliEngineRunner({
        ...base,
        description: `the user's spin command on PATH`,
        unsupported: 'spin is installed, but it serves apps through `spin up` (a spin.toml app over HTTP), not a module per command: the wasm-spin runner drives it',
        runArgs: () => [],
      });
  }
}
