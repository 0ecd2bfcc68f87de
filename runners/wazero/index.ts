/**
 * wazero v1.12.0, the pure-Go runtime, from the Go module proxy, in two
 * layers that are never compared with each other:
 * - `wasm-wazero`: a small Go host (host/main.go, built into .cache/bin by
 *   scripts/setup.sh) that compiles each module once and gives every cold
 *   request a FRESH module instance in-process; L0/L1 timed in the host.
 *   Deadlines are wazero's WithCloseOnContextDone, whose checks cost loop-
 *   heavy code several times its speed (runners/ENGINES.md has the figures).
 * - `wasm-wazero-run`: `wazero run -cachedir` as a command per request, the
 *   CLI layer: process spawn + engine start + cached module load + run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliEngineRunner, cliCacheDir, wazeroRunArgs } from '../cli-engine/index.ts';
import { ENGINE_CACHE_DIR, HostRunner, REPO_ROOT, type HostLauncher } from '../host-runner.ts';

/** The pinned wazero version. */
export const WAZERO_VERSION = 'v1.12.0';

/** Where scripts/setup.sh puts the `wazero` command and the Go host. */
export const ENGINE_BIN_DIR = path.join(REPO_ROOT, '.cache', 'bin');

const exe = process.platform === 'win32' ? '.exe' : '';
const SETUP_HINT = 'run `bash scripts/setup.sh` (it needs Go; it runs `go install github.com/tetratelabs/wazero/cmd/wazero@v1.12.0` and builds runners/wazero/host into .cache/bin)';

/** Where to find the binaries. */
export interface WazeroOptions {
  /** Folder holding `wsb-wazero-host` and `wazero`. @default `<repo>/.cache/bin` */
  binDir?: string;
}

/** Creates the `wasm-wazero` runner (Go host, in-process fresh instances). */
export function createWazeroRunner(options: WazeroOptions = {}): HostRunner {
  const hostPath = path.join(options.binDir ?? ENGINE_BIN_DIR, `wsb-wazero-host${exe}`);
  const launcher: HostLauncher = {
    name: 'wasm-wazero',
    description: `wazero ${WAZERO_VERSION} (pure Go) in a Go host: module compiled once by wazero's compiler with WithCloseOnContextDone (its only way to enforce a deadline: a call out to Go at every loop iteration, several times slower on loop-heavy code), a fresh module instance per cold request in-process; L0/L1 timed in the host`,
    configurations: ['compiler'],
    label: 'wazero host',
    async missing() {
      return fs.existsSync(hostPath) ? null : `the wazero Go host is not built (${hostPath} is missing): ${SETUP_HINT}`;
    },
    async detail() {
      return `wazero ${WAZERO_VERSION} Go host at ${hostPath}`;
    },
    command(config, maxMemoryMib) {
      return { command: hostPath, args: ['--config', config, '--max-memory-mib', String(maxMemoryMib), '--cache-dir', path.join(ENGINE_CACHE_DIR, 'wazero-host')] };
    },
  };
  return new HostRunner(launcher);
}

/** Creates the `wasm-wazero-run` runner (`wazero run` per request: the CLI layer). */
export function createWazeroRunRunner(options: WazeroOptions = {}): CliEngineRunner {
  const command = path.join(options.binDir ?? ENGINE_BIN_DIR, `wazero${exe}`);
  const name = 'wasm-wazero-run';
  return new CliEngineRunner({
    name,
    description: `\`wazero run -cachedir\` (wazero ${WAZERO_VERSION}) per request: the CLI layer, a process spawn per request (engine start + cached module load + run), not an in-process fresh instance; L1 timed from Node, no L0`,
    locate: () => (fs.existsSync(command) ? command : null),
    missingReason: `the wazero command is not installed (${command} is missing): ${SETUP_HINT}`,
    versionArgs: ['version'],
    runArgs: wazeroRunArgs(cliCacheDir(name)),
    compileArgs: (wasmPath, cacheDir) => ['compile', `-cachedir=${cacheDir}`, wasmPath],
  });
}
