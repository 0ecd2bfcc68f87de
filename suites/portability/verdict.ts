/**
 * Verdicts of the portability claims from the rows of a run:
 * `compact-binaries` and `near-native` here, `same-binary-everywhere` in
 * core/portability-verdict.ts (the report's merge decides it again over
 * every machine). Thresholds are stated beside each verdict.
 */
import { claimById, describeMargin, judgeMargin, notRun } from '../../core/claims.ts';
import { judgedLabel, wasmEnginesIn } from '../representatives.ts';
import { currentPlatform, decideSameBinaryEverywhere, platformOfMachineLabel } from '../../core/portability-verdict.ts';
import type { ClaimVerdict, EngineVerdict, Margin, Measurement, Outcome } from '../../core/results.ts';

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
 * `near-native`: per Wasm engine (the reference runtime heads the verdict),
 * for every CPU workload the Wasm/native ratio of medians with its 95%
 * bootstrap interval; the engine's verdict is that of its worst workload
 * (the highest interval): wholly below the threshold confirms, wholly at or
 * above refutes, straddling is inconclusive.
 */
export function decideNearNative(measurements: readonly Measurement[], outcomes: readonly Outcome[]): ClaimVerdict {
  const id = 'near-native';
  const ratios = measurements.filter((row) => row.suite === 'portability' && row.phase === 'near-native' && row.metric === 'wasm-native-ratio');
  const stat = (runner: string, workload: string, s: Measurement['stat']): Measurement | undefined => ratios.find((row) => row.runner === runner && row.workload === workload && row.stat === s);
  const notRunText = outcomes.filter((row) => row.suite === 'portability' && (row.subject === 'near-native' || row.subject === 'cell')).map((row) => `${row.runner} ${row.workload}: ${row.detail}`);
  const base = {
    measured: 'median time of one request on a warm instance of the representative configuration (Wasm) / on a warm native process of the same source, interleaved in the same run, CPU-bound requests (cpu kib-1024, mem mib-64); warm on both sides because the claim is about execution, not start-up',
    threshold: `Wasm/native ratio < ${NEAR_NATIVE_THRESHOLD}x on every CPU workload: the worst workload's whole 95% interval below confirms, wholly at or above refutes. ${NEAR_NATIVE_THRESHOLD}x: published Wasm/native slowdowns of 1.45-1.55x (Jangda et al., "Not So Fast: Analyzing the Performance of WebAssembly vs. Native Code", USENIX ATC 2019)`,
  };
  const perEngine = wasmEnginesIn(ratios).map((engine) => {
    const judged = judgedLabel(engine.runner, engine.config, 'warm');
    const workloads = [...new Set(ratios.filter((row) => row.runner === engine.runner).map((row) => row.workload))];
    const margins: Margin[] = workloads.map((workload) => ({
      figure: `${workload} Wasm/native time`,
      unit: 'ratio',
      value: stat(engine.runner, workload, 'value')?.value ?? Number.NaN,
      low: stat(engine.runner, workload, 'ci95-low')?.value ?? Number.NaN,
      high: stat(engine.runner, workload, 'ci95-high')?.value ?? Number.NaN,
      interval: '95% CI (bootstrap)',
      confirmsWhen: 'below',
      threshold: NEAR_NATIVE_THRESHOLD,
      n: stat(engine.runner, workload, 'count')?.value ?? 0,
    }));
    const worst = [...margins].sort((a, b) => (Number.isFinite(b.high) ? b.high : Infinity) - (Number.isFinite(a.high) ? a.high : Infinity))[0];
    if (!worst) return { judged, runner: engine.runner, verdict: 'not-run' as const, reason: `${judged}: no ratio`, margin: undefined };
    const decided = margins.some((m) => judgeMargin(m).verdict === 'refuted') ? { verdict: 'refuted' as const, why: 'a workload is at or above the threshold at its interval\'s lower bound' } : judgeMargin(worst);
    const text = margins.map((m) => describeMargin(m, (v) => `${v.toFixed(2)}x`)).join('; ');
    return { judged, runner: engine.runner, verdict: decided.verdict, reason: `${judged}: ${decided.why}. ${text}.`, margin: worst };
  });
  const reference = perEngine.find((entry) => entry.runner === REFERENCE_ENGINE);
  const engines: EngineVerdict[] = perEngine.filter((entry) => entry !== reference).map((entry) => ({ judged: entry.judged, runner: entry.runner, verdict: entry.verdict, reason: entry.reason, ...(entry.margin ? { margin: entry.margin } : {}) }));
  if (!reference) return { ...notRun(id, `no Wasm/native ratio of the reference engine (${REFERENCE_ENGINE}) was measured${notRunText.length ? `: ${notRunText.join('; ')}` : ''}`), engines };
  const belowNative = ratios.filter((row) => row.runner === REFERENCE_ENGINE && row.stat === 'value' && row.value < 1).map((row) => row.workload);
  const belowNote = belowNative.length
    ? ` Faster than native for ${belowNative.join(', ')}: on a warm instance the Wasm linear memory stays grown from one request to the next, while the native process hands large blocks back to the OS and faults them in again each request, so that figure times memory management as much as code.`
    : '';
  return { id, ...base, verdict: reference.verdict, judged: reference.judged, ...(reference.margin ? { margin: reference.margin } : {}), engines, evidence: ratios, reason: `${reference.reason}${belowNote}` };
}
