/**
 * The runners by name: one module per substrate or engine, all exporting the
 * same interface (runners/types.ts). Suites and the CLI pick runners here.
 */
import { usageError } from '../core/errors.ts';
import type { Runner } from './types.ts';
import { createWasmRunner } from './wasm/index.ts';
import { createJcoRunner } from './wasm/jco.ts';
import { createWasmtimeRunner } from './wasmtime/index.ts';
import { createWazeroRunner, createWazeroRunRunner } from './wazero/index.ts';
import { createPathEngineRunner } from './cli-engine/index.ts';
import { createProcessRunner } from './process/runner.ts';
import { createContainerRunner } from './container/runner.ts';
import { createWasmtimeServeRunner } from './wasmtime-serve/index.ts';
import { createSpinRunner } from './spin/index.ts';
import { createContainerServerRunner, createProcessServerRunner } from './http-server/native-server.ts';

/** Factories of every runner, by name, in matrix column order. */
export const RUNNERS: Record<string, () => Runner> = {
  wasm: createWasmRunner,
  'wasm-jco': createJcoRunner,
  'wasm-wasmtime': () => createWasmtimeRunner(),
  'wasm-wazero': () => createWazeroRunner(),
  'wasm-wazero-run': () => createWazeroRunRunner(),
  'wasm-cli-wasmtime': () => createPathEngineRunner('wasmtime'),
  'wasm-cli-wazero': () => createPathEngineRunner('wazero'),
  'wasm-cli-wasmedge': () => createPathEngineRunner('wasmedge'),
  'wasm-cli-spin': () => createPathEngineRunner('spin'),
  process: () => createProcessRunner({ flavour: 'native' }),
  'process-node': () => createProcessRunner({ flavour: 'node' }),
  container: () => createContainerRunner(),
  // Servers that answer HTTP themselves, measured server to server (runners/types.ts ServerRunner).
  'wasm-wasmtime-serve': () => createWasmtimeServeRunner(),
  'wasm-spin': () => createSpinRunner(),
  'process-server': () => createProcessServerRunner(),
  'container-server': () => createContainerServerRunner(),
};

/**
 * The runners a quick run measures when none are named: the reference
 * runtime, Spin's engine (Wasmtime, embedded and as `wasmtime serve`, with
 * `spin up` where it is installed), one runner per other substrate, and the
 * native server as the always-on counterpart. The others are further paths to
 * a substrate (jco's transpiled component, the wazero CLI and host, engines
 * found on PATH, the JavaScript port in Node processes, the native server in
 * a container): measured by `--full`, `--variants` or `--runner`.
 */
export const QUICK_RUNNERS: readonly string[] = ['wasm', 'wasm-wasmtime', 'wasm-wasmtime-serve', 'wasm-spin', 'process', 'process-server', 'container'];

/** Names of every runner. */
export function runnerNames(): string[] {
  return Object.keys(RUNNERS);
}

/** Resolves runner names to runners; unknown names are a usage error (checked before anything starts). */
export function resolveRunners(names: readonly string[]): Runner[] {
  const unknown = names.filter((name) => !(name in RUNNERS));
  if (unknown.length) {
    throw usageError(`unknown runner${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (runners: ${runnerNames().join(', ') || 'none'})`);
  }
  return names.map((name) => (RUNNERS[name] as () => Runner)());
}
