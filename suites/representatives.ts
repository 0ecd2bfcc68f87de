/**
 * The declared representatives, as the suites use them: the table itself
 * (and why each was chosen) is in core/representatives.ts, where the report
 * reads it too; here, which configuration a runner's cells are opened with
 * and which Wasm engines a claim is judged on.
 */
import { isWasmRunner, REFERENCE_WASM_RUNNER, REPRESENTATIVES } from '../core/representatives.ts';

export { CONTAINER_RUNNER, isRepresentative, isWasmRunner, judgedLabel, PROCESS_RUNNER, REFERENCE_WASM_RUNNER, REPRESENTATIVES, type Representative } from '../core/representatives.ts';

/** The representative configuration of a runner: the declared one, else its only (first) configuration. */
export function representativeConfig(runner: { name: string; configurations: readonly string[] }): string {
  return REPRESENTATIVES[runner.name]?.config ?? runner.configurations[0] ?? 'default';
}

/**
 * The Wasm engines to judge a claim on, reference first, from the runners
 * that have rows: one representative configuration each (a runner with
 * several configurations and none declared is judged on none of them but its
 * first).
 */
export function wasmEnginesIn(rows: readonly { runner: string; config: string }[]): { runner: string; config: string }[] {
  const seen = new Map<string, Set<string>>();
  for (const row of rows) {
    if (!isWasmRunner(row.runner)) continue;
    const configs = seen.get(row.runner) ?? new Set<string>();
    configs.add(row.config);
    seen.set(row.runner, configs);
  }
  const engines: { runner: string; config: string }[] = [];
  for (const [runner, configs] of seen) {
    const declared = REPRESENTATIVES[runner]?.config;
    if (declared !== undefined) {
      if (configs.has(declared)) engines.push({ runner, config: declared });
    } else if (configs.size === 1) engines.push({ runner, config: [...configs][0] as string });
  }
  return engines.sort((a, b) => (a.runner === REFERENCE_WASM_RUNNER ? -1 : b.runner === REFERENCE_WASM_RUNNER ? 1 : a.runner.localeCompare(b.runner)));
}
