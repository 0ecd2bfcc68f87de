/**
 * Planning figures shared by the suites' plans (SuitePlan): what one cell
 * costs to open and to serve a request, by kind of runner. These are
 * planning estimates, never results: sized on a 2-core machine with a
 * margin, they let `wsb bench` say at the start how long a run will take and
 * how much is left, and let a test hold the quick profile to its 5 minutes
 * without running it. The run's own timings are in results.json (suites[].durationMs beside plannedMs).
 */

/** Opening a cell and sending it one request, ms, by runner: a container is created and started, a process or engine spawned. */
export function cellOpenMs(runner: string): number {
  if (runner.startsWith('container')) return 450;
  if (runner === 'process-node' || runner === 'wasm-jco' || runner.startsWith('wasm-cli') || runner === 'wasm-wazero-run') return 400;
  if (runner === 'wasm-wasmtime' || runner === 'wasm-wazero' || runner.startsWith('wasm-wasmtime-serve') || runner.endsWith('-server')) return 400;
  return 100;
}

/** One request to a fresh instance (cold), ms, by runner: what a probe case or a verification costs beyond opening. */
export function coldRequestMs(runner: string): number {
  if (runner.startsWith('container')) return 500;
  if (runner === 'process-node' || runner === 'wasm-wazero-run' || runner.startsWith('wasm-cli')) return 80;
  if (runner.startsWith('process')) return 5;
  if (runner === 'wasm' || runner === 'wasm-jco') return 0.3;
  return 1;
}

/**
 * Time a sampled cell takes: its samples at the cell's request cost, at
 * most its budget, and a slow cell at least its minimum samples (up to three
 * budgets, as sampling.ts allows).
 */
export function sampledCellMs(runner: string, lifecycle: string, plan: { warmup: number; samples: number; budgetMs: number; minSamples?: number }): number {
  // A pre-warmed container is already started: a request costs tens of ms, not a container start.
  const requestMs = lifecycle === 'prewarmed' && runner.startsWith('container') ? 50 : lifecycle === 'cold' || lifecycle === 'prewarmed' ? coldRequestMs(runner) : Math.min(coldRequestMs(runner), 2);
  const wantedMs = (plan.warmup + plan.samples) * requestMs;
  const minimumMs = Math.min((plan.minSamples ?? 5) * requestMs, 3 * plan.budgetMs);
  return Math.max(Math.min(wantedMs, plan.budgetMs), minimumMs);
}

/**
 * One isolation probe case, ms: opening a cell with its grants, the probe's
 * request(s), the host checks around it and closing (planning estimate:
 * about 1.5 times what quick runs on an idle 2-core machine took, a
 * container 0.5 s, a native process with its spawn host 0.3 s, an engine
 * host 0.3 s, the embedded runtime 0.16 s).
 */
export function probeCaseMs(runner: string): number {
  if (runner.startsWith('container')) return 800;
  if (runner.startsWith('process')) return 450;
  if (runner === 'wasm') return 250;
  return 450;
}

/** Reading the idle cost of a cell's waiting slots once, ms (a container's stats take the engine about a second). */
export function idleReadingMs(runner: string): number {
  if (runner.startsWith('container')) return 1500;
  return runner.startsWith('process') ? 300 : 500;
}

/** Starting the common HTTP front with some cells, ms. */
export const FRONT_START_MS = 3000;

/** Starting and stopping a Locust master and its workers around one run, ms (Python imports on a busy 2-core machine: 5-15 s seen). */
export const LOCUST_RUN_OVERHEAD_MS = 10_000;

/** Sum helper. */
export function sumMs(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0);
}

/** `12 s` for a plan's detail. */
export function planSeconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
