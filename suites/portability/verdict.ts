/**
 * Verdicts of the portability claims from the rows of a run:
 * `compact-binaries` and `near-native` here, `same-binary-everywhere` in
 * core/portability-verdict.ts (the report's merge decides it again over
 * every machine). Thresholds are stated beside each verdict.
 */
import { claimById, notRun } from '../../core/claims.ts';
import { currentPlatform, decideSameBinaryEverywhere, platformOfMachineLabel } from '../../core/portability-verdict.ts';
import type { ClaimVerdict, Measurement, Outcome } from '../../core/results.ts';

/** "Much smaller than Docker containers": the image at least ten times the `.wasm` (one order of magnitude). */
export const IMAGE_FACTOR = 10;

/**
 * Wasm/native slowdown that still counts as "nearing native": 1.5x. Source:
 * Jangda et al., "Not So Fast: Analyzing the Performance of WebAssembly vs.
 * Native Code", USENIX ATC 2019, measured mean slowdowns of 1.45x (Firefox)
 * and 1.55x (Chrome) on SPEC CPU; a ratio at or under those figures is what
 * published Wasm engines achieve.
 */
export const NEAR_NATIVE_THRESHOLD = 1.5;

/** The engine whose ratio decides `near-native`: the V8 host, the reference runtime. */
export const REFERENCE_ENGINE = 'wasm';

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** Decides the three portability claims from one run's rows (one machine: rows carry no machine label yet). */
export function decidePortability(measurements: readonly Measurement[], outcomes: readonly Outcome[]): ClaimVerdict[] {
  const platformOf = (row: Outcome): string => (row.machine ? platformOfMachineLabel(row.machine) : currentPlatform());
  return [decideCompactBinaries(measurements, outcomes), decideSameBinaryEverywhere(outcomes, platformOf), decideNearNative(measurements, outcomes)];
}

/**
 * `compact-binaries`: for each workload, the `.wasm` no larger than the
 * native static binary of the same source AND at least IMAGE_FACTOR times
 * smaller than its container image. Refuted when a workload fails either;
 * inconclusive when one of the two comparisons could not be made.
 */
export function decideCompactBinaries(measurements: readonly Measurement[], outcomes: readonly Outcome[]): ClaimVerdict {
  const id = 'compact-binaries';
  const sizes = measurements.filter((row) => row.suite === 'portability' && row.phase === 'size' && row.metric === 'artifact-bytes' && row.stat === 'value');
  const wasmRows = sizes.filter((row) => row.runner === 'wasm');
  if (!wasmRows.length) return notRun(id, 'no artifact sizes were measured');
  const notRunReasons = [...new Set(outcomes.filter((row) => row.suite === 'portability' && row.outcome === 'not-run' && (row.runner === 'native-static' || row.runner === 'container-image')).map((row) => `${row.runner}: ${row.detail}`))];
  const size = (workload: string, runner: string): Measurement | undefined => sizes.find((row) => row.workload === workload && row.runner === runner);

  const failures: string[] = [];
  const lines: string[] = [];
  const largerThanDynamic: string[] = [];
  let missing = false;
  for (const wasm of wasmRows) {
    const name = wasm.workload;
    const staticRow = size(name, 'native-static');
    const dynamicRow = size(name, 'native-dynamic');
    const image = size(name, 'container-image');
    const parts = [`.wasm ${kib(wasm.value)}`];
    if (staticRow) {
      parts.push(`static ${kib(staticRow.value)} (${(staticRow.value / wasm.value).toFixed(1)}x the .wasm)`);
      if (wasm.value > staticRow.value) failures.push(`${name}.wasm is larger than its native static binary`);
    } else missing = true;
    if (dynamicRow) {
      parts.push(`dynamic ${kib(dynamicRow.value)}`);
      if (wasm.value > dynamicRow.value) largerThanDynamic.push(`${name} (${(wasm.value / dynamicRow.value).toFixed(1)}x)`);
    }
    if (image) {
      const factor = image.value / wasm.value;
      parts.push(`image ${kib(image.value)} (${factor.toFixed(1)}x the .wasm)`);
      if (factor < IMAGE_FACTOR) failures.push(`${name}'s image is only ${factor.toFixed(1)}x its .wasm`);
    } else missing = true;
    lines.push(`${name}: ${parts.join(', ')}`);
  }
  const dynamicNote = largerThanDynamic.length
    ? ` The .wasm is larger than the dynamically linked native build for ${largerThanDynamic.join(', ')}: a dynamic binary leaves the C library to the host, while the .wasm carries its own (wasi-libc), so "no larger than the compiled code" holds only against self-contained (static) binaries.`
    : '';
  const base = {
    id,
    measured: `${claimById(id).decidedBy} (stripped binaries; image size as the Docker engine reports it)`,
    threshold: `.wasm <= native static binary of the same source, and container image >= ${IMAGE_FACTOR}x the .wasm, for every workload`,
    evidence: sizes.filter((row) => wasmRows.some((wasm) => wasm.workload === row.workload)),
  };
  const figures = `${lines.join('; ')}.${dynamicNote}`;
  if (failures.length) return { ...base, verdict: 'refuted', reason: `${failures.join('; ')}. ${figures}` };
  if (missing) {
    const why = notRunReasons.length ? ` Missing: ${notRunReasons.join('; ')}.` : '';
    return { ...base, verdict: 'inconclusive', reason: `no failure, but a native static binary or a container image could not be measured for every workload. ${figures}${why}` };
  }
  return { ...base, verdict: 'confirmed', reason: figures };
}

/**
 * `near-native`: for every CPU workload, the reference engine's Wasm/native
 * ratio of medians has its 95% CI upper bound at or under the threshold
 * (confirmed); refuted when a lower bound is over it; inconclusive between.
 */
export function decideNearNative(measurements: readonly Measurement[], outcomes: readonly Outcome[]): ClaimVerdict {
  const id = 'near-native';
  const ratios = measurements.filter((row) => row.suite === 'portability' && row.phase === 'near-native' && row.metric === 'wasm-native-ratio');
  const stat = (runner: string, workload: string, s: Measurement['stat']): Measurement | undefined => ratios.find((row) => row.runner === runner && row.workload === workload && row.stat === s);
  const workloads = [...new Set(ratios.filter((row) => row.runner === REFERENCE_ENGINE).map((row) => row.workload))];
  const notRunText = outcomes.filter((row) => row.suite === 'portability' && (row.subject === 'near-native' || row.subject === 'cell')).map((row) => `${row.runner} ${row.workload}: ${row.detail}`);
  if (!workloads.length) return notRun(id, `no Wasm/native ratio of the reference engine (${REFERENCE_ENGINE}) was measured${notRunText.length ? `: ${notRunText.join('; ')}` : ''}`);

  const describe = (runner: string, workload: string): string => {
    const value = stat(runner, workload, 'value');
    const low = stat(runner, workload, 'ci95-low');
    const high = stat(runner, workload, 'ci95-high');
    if (!value) return '';
    return `${runner} ${workload} ${value.value.toFixed(2)}x${low && high ? ` (95% CI ${low.value.toFixed(2)}-${high.value.toFixed(2)})` : ' (no CI)'}`;
  };
  const engines = [...new Set(ratios.map((row) => row.runner))];
  const allFigures = engines.flatMap((runner) => workloads.map((workload) => describe(runner, workload)).filter(Boolean)).join('; ');
  const base = {
    id,
    measured: 'median time of one request on a warm instance (Wasm) / on a warm native process of the same source, interleaved in the same run, CPU-bound requests (cpu kib-1024, mem mib-64)',
    threshold: `ratio's 95% CI upper bound <= ${NEAR_NATIVE_THRESHOLD}x for the reference engine (${REFERENCE_ENGINE}, V8) on every CPU workload; refuted when the lower bound is above it. ${NEAR_NATIVE_THRESHOLD}x: published Wasm/native slowdowns of 1.45-1.55x (Jangda et al., "Not So Fast: Analyzing the Performance of WebAssembly vs. Native Code", USENIX ATC 2019)`,
    evidence: ratios,
  };
  const belowNative = workloads.filter((workload) => (stat(REFERENCE_ENGINE, workload, 'value')?.value ?? 1) < 1);
  const belowNote = belowNative.length
    ? ` Faster than native for ${belowNative.join(', ')}: on a warm instance the Wasm linear memory stays grown from one request to the next, while the native process hands large blocks back to the OS and faults them in again each request, so that figure times memory management as much as code.`
    : '';
  const othersOver = ratios.filter((row) => row.runner !== REFERENCE_ENGINE && row.stat === 'value' && row.value > NEAR_NATIVE_THRESHOLD).map((row) => `${row.runner} ${row.workload} (${row.value.toFixed(2)}x)`);
  const othersNote = othersOver.length ? ` Over ${NEAR_NATIVE_THRESHOLD}x on other engines: ${othersOver.join(', ')}.` : '';
  const highs = workloads.map((workload) => ({ workload, high: stat(REFERENCE_ENGINE, workload, 'ci95-high')?.value, low: stat(REFERENCE_ENGINE, workload, 'ci95-low')?.value }));
  const over = highs.filter((entry) => entry.low !== undefined && entry.low > NEAR_NATIVE_THRESHOLD);
  if (over.length) return { ...base, verdict: 'refuted', reason: `the reference engine is more than ${NEAR_NATIVE_THRESHOLD}x native even at the CI's lower bound for ${over.map((entry) => entry.workload).join(', ')}. ${allFigures}.${othersNote}${belowNote}` };
  if (highs.every((entry) => entry.high !== undefined && entry.high <= NEAR_NATIVE_THRESHOLD)) {
    return { ...base, verdict: 'confirmed', reason: `within ${NEAR_NATIVE_THRESHOLD}x of native at the CI's upper bound for every CPU workload. ${allFigures}.${othersNote}${belowNote}` };
  }
  return { ...base, verdict: 'inconclusive', reason: `the reference engine's ratio interval reaches past ${NEAR_NATIVE_THRESHOLD}x (or has no CI). ${allFigures}.${othersNote}${belowNote}` };
}
