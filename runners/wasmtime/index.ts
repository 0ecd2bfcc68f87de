/**
 * `wasm-wasmtime`: Wasmtime, Spin's engine, through its official Python
 * embedding (the `wasmtime` package from PyPI, pinned, in the project-local
 * virtual environment `.venv-engines/`). A long-lived host (host.py) compiles
 * each module once (artifacts cached under .cache/engines) and gives every
 * cold request a FRESH Store and instance; L0 and L1 are timed inside it.
 * Configurations: `pooling=off` (on-demand allocator) and `pooling=on`
 * (Wasmtime's pooling instance allocator, as Wasmtime servers configure it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ENGINE_CACHE_DIR, HostRunner, REPO_ROOT, type HostLauncher } from '../host-runner.ts';

/** The pinned version of the `wasmtime` package. */
export const WASMTIME_VERSION = '50.0.1';

/** The project-local virtual environment of the engines. */
export const DEFAULT_VENV_DIR = path.join(REPO_ROOT, '.venv-engines');

const HOST_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'host.py');

const run = promisify(execFile);

/** Where to find the engine. */
export interface WasmtimeOptions {
  /** The virtual environment holding the `wasmtime` package. @default `<repo>/.venv-engines` */
  venvDir?: string;
}

/** The Python of a virtual environment. */
export function venvPython(venvDir: string): string {
  return process.platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

/** Creates the `wasm-wasmtime` runner. */
export function createWasmtimeRunner(options: WasmtimeOptions = {}): HostRunner {
  const venvDir = options.venvDir ?? DEFAULT_VENV_DIR;
  const python = venvPython(venvDir);
  let version: Promise<string | null> | undefined;
  const installedVersion = (signal?: AbortSignal): Promise<string | null> => {
    version ??= run(python, ['-c', 'from importlib.metadata import version; print(version("wasmtime"))'], { timeout: 20_000, signal })
      .then(({ stdout }) => stdout.trim())
      .catch(() => null);
    return version;
  };
  const launcher: HostLauncher = {
    name: 'wasm-wasmtime',
    description: `Wasmtime ${WASMTIME_VERSION} (Spin's engine) via its official Python embedding: a long-lived host, module compiled once, a fresh Store and instance per cold request; L0/L1 timed in the host`,
    configurations: ['pooling=off', 'pooling=on'],
    label: 'wasmtime host',
    async missing(signal) {
      const fix = `run \`bash scripts/setup.sh\` (it runs python3 -m venv .venv-engines && .venv-engines/bin/pip install wasmtime==${WASMTIME_VERSION})`;
      if (!fs.existsSync(python)) return `no Python virtual environment at ${venvDir}: ${fix}`;
      const found = await installedVersion(signal);
      if (!found) return `the wasmtime package is not installed in ${venvDir}: ${fix}`;
      return null;
    },
    async detail(signal) {
      const found = await installedVersion(signal);
      return `wasmtime ${found} (Python embedding) in ${venvDir}${found === WASMTIME_VERSION ? '' : `; the pinned version is ${WASMTIME_VERSION}`}`;
    },
    command(config, maxMemoryMib) {
      return { command: python, args: [HOST_SCRIPT, '--config', config, '--max-memory-mib', String(maxMemoryMib), '--cache-dir', ENGINE_CACHE_DIR] };
    },
  };
  return new HostRunner(launcher);
}
