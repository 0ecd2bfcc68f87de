/**
 * The declared representatives: the one configuration of each runner that
 * decides claims, written down in one place and named in every verdict.
 * Why declare them: a verdict that takes the best of several configurations
 * (or engines) flatters whichever won; a skeptic accepts only a verdict on
 * the configuration a platform would run, chosen before the run. Every other
 * configuration and lifecycle is a variant: measured and reported (the
 * report's ablation section), never deciding.
 *
 * For Wasm the representative is "a fresh instance per request": memory,
 * globals and tables that no other request has seen (the `cold` lifecycle;
 * `prewarmed` where a claim is about waiting slots). Instance reuse is the
 * `reused` lifecycle and never stands for cold.
 *
 * The table lives in core (not suites/) because the report reads it too: it
 * keeps the variants out of the headline without measuring anything.
 */

/** A declared representative configuration and why it was chosen. */
export interface Representative {
  config: string;
  why: string;
}

/** The reference runtime: its verdict heads the ledger, every other Wasm engine's is shown beside it. */
export const REFERENCE_WASM_RUNNER = 'wasm';

/** The substrates the Wasm verdicts are compared with, by their representative runner. */
export const CONTAINER_RUNNER = 'container';
export const PROCESS_RUNNER = 'process';

/** The lifecycle that is never a fresh instance (an instance reset and reused): always a variant. */
export const REUSED_LIFECYCLE = 'reused';

/**
 * The representative configuration of each runner. A runner not listed here
 * has one configuration, which is its representative.
 */
export const REPRESENTATIVES: Readonly<Record<string, Representative>> = {
  wasm: {
    config: 'pooling=on',
    why: "a fresh instance per request with its memory taken zeroed from a pool (as Wasmtime's pooling allocator does), each app's instances on a worker thread of their own (as an engine's thread pool), so a CPU-bound guest holds only its own thread",
  },
  'wasm-wasmtime': { config: 'pooling=on', why: "Wasmtime with its pooling allocator, as Spin runs it; a fresh instance per request" },
  'wasm-wasmtime-serve': { config: 'pooling=on', why: "`wasmtime serve` with its pooling allocator, as Spin serves: a fresh instance of the wasi:http component per request" },
  'wasm-wazero': { config: 'compiler', why: "wazero's compiler (its default on amd64 and arm64); a fresh module instance per request" },
  container: { config: 'profile=default', why: "Docker's default settings, what `docker run` gives; the hardened profile is a variant" },
  process: { config: 'default', why: 'the native static binary of the same C source, spawned per request (CGI)' },
};

/** Whether a row's runner and configuration are the runner's declared representative. */
export function isRepresentative(runner: string, config: string, configurations?: readonly string[]): boolean {
  const declared = REPRESENTATIVES[runner]?.config;
  if (declared !== undefined) return config === declared;
  return configurations ? config === configurations[0] : true;
}

/** Whether a runner is a Wasm engine (the reference runtime or an external engine). */
export function isWasmRunner(runner: string): boolean {
  return runner === REFERENCE_WASM_RUNNER || runner.startsWith('wasm-');
}

/** The printed name of a judged cell: `runner[config]/lifecycle`. */
export function judgedLabel(runner: string, config: string, lifecycle: string): string {
  return `${runner}${config === 'default' ? '' : `[${config}]`}/${lifecycle}`;
}
