/**
 * suites/portability: one artifact on every engine (portability), which WASI
 * preview1 features each engine runs (conformance, a table of its own), its size
 * beside native binaries and container images (compactness), and its speed
 * beside native code of the same source (near-native). Decides
 * `same-binary-everywhere`, `compact-binaries` and `near-native`.
 */
import { loadWorkloads, type Workload } from '../../fixtures/manifest.ts';
import { loadConformancePrograms } from '../../fixtures/conformance.ts';
import { RUNNERS } from '../../runners/index.ts';
import type { Runner } from '../../runners/types.ts';
import type { Suite, SuiteContext } from '../types.ts';
import { runConformance } from './conformance.ts';
import { isWasmEngine, runEnginePortability } from './engines.ts';
import { NEAR_NATIVE_ENGINES, NEAR_NATIVE_PLANS, NEAR_NATIVE_REQUESTS, runNearNative } from './near-native.ts';
import { cellOpenMs, coldRequestMs, planSeconds, sumMs } from '../plan.ts';
import { runCompactness, type ImageSource } from './sizes.ts';
import { decidePortability } from './verdict.ts';

/** The committed workloads the run selected (all of them when none is selected); probes have no canned request and are the isolation suite's. */
export function portabilityWorkloads(selected: readonly string[]): Workload[] {
  const workloads = loadWorkloads().filter((workload) => workload.kind === 'workload' && workload.requests.length > 0);
  const chosen = workloads.filter((workload) => selected.includes(workload.name));
  return chosen.length ? chosen : workloads;
}

/** What one run of a conformance program costs beyond opening its cell, ms (planning estimate). */
const CONFORMANCE_RUN_MS = 300;
/** Native builds (cached after the first run), image, sizes, ms (planning estimate). */
const SIZES_MS = 3000;

export const portabilitySuite: Suite = {
  name: 'portability',
  description: 'same .wasm on every engine path, sizes against native and container images, Wasm/native speed',
  plan(input) {
    const workloads = portabilityWorkloads(input.workloads);
    const engines = input.runners.filter((runner) => isWasmEngine(runner.name));
    const enginesMs = sumMs(engines.map((runner) => workloads.length * (cellOpenMs(runner.name) + 2 * coldRequestMs(runner.name))));
    const conformanceMs = sumMs(engines.map((runner) => loadConformancePrograms().length * (cellOpenMs(runner.name) + CONFORMANCE_RUN_MS)));
    const nearPlan = NEAR_NATIVE_PLANS[input.profile];
    const nearCells = 1 + NEAR_NATIVE_ENGINES.filter((name) => input.runners.some((runner) => runner.name === name)).length;
    // A CPU-bound request takes about 10 ms (cpu kib-1024) to 90 ms (mem mib-64) on 2 cores (planning estimate); each cell stops at its budget.
    const nearMs = nearCells * sumMs(NEAR_NATIVE_REQUESTS.map((entry) => Math.min(nearPlan.budgetMs, (nearPlan.warmup + nearPlan.samples) * (entry.workload === 'mem' ? 90 : 10))));
    return { plannedMs: enginesMs + conformanceMs + SIZES_MS + nearMs, detail: `${workloads.length} workloads on ${engines.length} engines (${planSeconds(enginesMs)}), conformance (${planSeconds(conformanceMs)}), sizes, near-native ${nearCells} cells x ${NEAR_NATIVE_REQUESTS.length} requests (${planSeconds(nearMs)})` };
  },
  async run(context) {
    const { signal, progress, results } = context;
    const workloads = portabilityWorkloads(context.workloads);

    progress(`portability: ${workloads.length} artifact(s) on every Wasm engine path, cold, default configuration`);
    results.recordOutcomes(await runEnginePortability({ workloads, runners: context.runners, unavailable: context.unavailable, signal, progress }));

    progress('conformance: the WASI preview1 conformance programs on every Wasm engine path, each in a fresh writable /sandbox');
    results.recordOutcomes(await runConformance({ runners: context.runners, unavailable: context.unavailable, signal, progress }));

    progress('compactness: .wasm against the musl static, glibc static and glibc dynamic builds and the container image of the musl build');
    const sizes = await runCompactness({ workloads, images: await comparator(context, 'container'), signal, progress });
    results.record(sizes.measurements);
    results.recordOutcomes(sizes.outcomes);

    progress('near-native: Wasm against native, warm, interleaved');
    const near = await runNearNative({
      workloads,
      engines: context.runners,
      native: await comparator(context, 'process'),
      plan: NEAR_NATIVE_PLANS[context.profile],
      signal,
      progress,
    });
    results.record(near.measurements);
    results.recordOutcomes(near.outcomes);

    for (const verdict of decidePortability(results.measurements, results.outcomes)) results.decide(verdict);
  },
};

/**
 * A runner the claims need as a comparator (the container image, the native
 * baseline): the run's own when selected, its reason when unavailable, and
 * otherwise created here, because the claim compares against it whatever
 * columns the user chose.
 */
async function comparator(context: SuiteContext, name: 'container' | 'process'): Promise<ImageSource> {
  const selected = context.runners.find((runner) => runner.name === name);
  if (selected) return { status: 'available', runner: selected };
  const unavailable = context.unavailable.find((entry) => entry.runner === name);
  if (unavailable) return { status: 'unavailable', reason: unavailable.reason };
  const runner: Runner = (RUNNERS[name] as () => Runner)();
  const availability = await runner.availability(context.signal);
  return availability.status === 'available' ? { status: 'available', runner } : { status: 'unavailable', reason: availability.reason };
}
