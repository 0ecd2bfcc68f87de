/**
 * `wasm-wasmtime-serve`: Spin's engine serving HTTP as Spin does. `wasmtime
 * serve` (wasmtime-cli, built from the Rust crate registry by
 * scripts/setup.sh into the tools cache outside the checkout) runs the
 * workload's wasi:http proxy component behind its own HTTP server (hyper),
 * with a FRESH instance of the component for every request, on a loopback
 * port. Configurations: `pooling=on` (Wasmtime's pooling instance
 * allocator, as Spin configures it: the representative) and `pooling=off`.
 * Its compile cache is on, in .cache/engines/wasmtime-serve/, so a start
 * reads the compiled component instead of compiling it again; the first
 * load (prepare) starts with an empty cache.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findTool, toolsDir } from '../../core/tools.ts';
import { runCommand } from '../../fixtures/native.ts';
import { ENGINE_CACHE_DIR } from '../host-runner.ts';
import type { ServerRunner } from '../types.ts';
import { commandVersion, createComponentServerRunner, type LocatedCommand, type ServeRequest } from '../http-server/component-server.ts';
import type { ServerCommand } from '../http-server/server-process.ts';

/** The wasmtime-cli version scripts/setup.sh builds (48.x builds with the Rust on these machines; 50.x needs a newer rustc). */
export const WASMTIME_CLI_VERSION = '48.0.8';

/** The features it is built with (`serve` needs `component-model-async` in 48.x). */
export const WASMTIME_CLI_FEATURES = 'serve,run,cranelift,component-model-async,pooling-allocator,parallel-compilation,cache';

/** How to get it, for the unavailable reason. */
export const WASMTIME_CLI_HINT = `bash scripts/setup.sh builds it into the tools cache (cargo install --locked wasmtime-cli --version ${WASMTIME_CLI_VERSION} --no-default-features --features ${WASMTIME_CLI_FEATURES}; 20-30 minutes on 2 cores)`;

/** Where to find `wasmtime`. */
export interface WasmtimeServeOptions {
  /** The `wasmtime` binary. @default the tools cache (`$WSB_TOOLS_DIR/bin/wasmtime`), else PATH */
  command?: string;
  /** The compile cache of every start after the first load. @default .cache/engines/wasmtime-serve */
  cacheDir?: string;
}

/** The cache configuration file `-C cache-config` reads: the compile cache in `dir`. */
export function cacheConfigToml(dir: string): string {
  return `[cache]\ndirectory = ${JSON.stringify(dir)}\n`;
}

/** The command line of `wasmtime serve` for one component on one port. */
export function wasmtimeServeArgs(serve: ServeRequest, port: number, cacheConfigPath: string): string[] {
  const pooling = serve.config === 'pooling=on';
  const maxMemoryBytes = serve.maxMemoryMib * 1024 * 1024;
  return [
    'serve',
    '--addr', `127.0.0.1:${port}`,
    '-C', 'cache=y',
    '-C', `cache-config=${cacheConfigPath}`,
    '-W', `max-memory-size=${maxMemoryBytes}`,
    ...(pooling ? ['-O', 'pooling-allocator=y', '-O', `pooling-max-memory-size=${maxMemoryBytes}`] : ['-O', 'pooling-allocator=n']),
    serve.componentPath,
  ];
}

/**
 * Whether a wasmtime binary has the `serve` command. Why not `serve --help`:
 * a build without clap's default features prints no help at all. A build
 * without `serve` takes the word for a module to run instead, so `serve` of
 * a missing file says which file it could not open.
 */
async function hasServe(wasmtime: string): Promise<boolean> {
  const probe = '/nonexistent/wsb-serve-probe.wasm';
  const out = await runCommand(wasmtime, ['serve', probe]).catch(() => null);
  return out !== null && out.stderr.includes(probe);
}

async function locate(command: string | undefined): Promise<LocatedCommand | { reason: string }> {
  const found = command ?? findTool('wasmtime');
  if (!found) return { reason: `wasmtime not found in the tools cache (${path.join(toolsDir(), 'bin')}) or on PATH: ${WASMTIME_CLI_HINT}` };
  const version = await commandVersion(found, ['--version']);
  if (!version) return { reason: `${found} --version failed` };
  if (!(await hasServe(found))) return { reason: `${found} (${version}) has no serve command: ${WASMTIME_CLI_HINT}` };
  return { path: found, version };
}

/** Creates the `wasm-wasmtime-serve` runner. */
export function createWasmtimeServeRunner(options: WasmtimeServeOptions = {}): ServerRunner {
  return createComponentServerRunner({
    name: 'wasm-wasmtime-serve',
    description: 'wasmtime serve (wasmtime-cli from the crate registry): the wasi:http component behind Wasmtime\'s own HTTP server, a fresh instance per request',
    configurations: ['pooling=on', 'pooling=off'],
    cacheDir: options.cacheDir ?? path.join(ENGINE_CACHE_DIR, 'wasmtime-serve'),
    locate: () => locate(options.command),
    command(located: LocatedCommand, serve: ServeRequest): ServerCommand {
      const cacheConfigPath = path.join(serve.workDir, 'cache.toml');
      fs.writeFileSync(cacheConfigPath, cacheConfigToml(serve.cacheDir));
      return { what: 'wasmtime serve', command: located.path, args: (port) => wasmtimeServeArgs(serve, port, cacheConfigPath), env: {} };
    },
  });
}
