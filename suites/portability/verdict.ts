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

/** The native build "no larger than the compiled code" is decided against: the smallest self-contained build. */
export const COMPACT_NATIVE = 'native-musl-static';

/** Where COMPACT_NATIVE could not be built: the glibc static build, larger, so it can refute but not confirm. */
export const COMPACT_NATIVE_FALLBACK = 'native-glibc-static';

/** The dynamic build, reported alone and with its shared libraries (`+libs`), never deciding. */
export const COMPACT_DYNAMIC = 'native-glibc-dynamic';

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
 * `compact-binaries`, per workload, on sizes (exact, so no interval):
 * - "no larger than the compiled code": the `.wasm` no larger than the musl
 *   static binary of the same source (COMPACT_NATIVE). Where musl-gcc is
 *   missing the glibc static binary stands in: larger than the musl one, so a
 *   `.wasm` above it refutes, and one under it is inconclusive.
 * - "much smaller than Docker containers": the image, built FROM scratch with
 *   the musl binary, at least IMAGE_FACTOR times the `.wasm`. An image of the
 *   glibc binary (fallback) is larger, so it too can refute but not confirm.
 * The glibc dynamic binary, alone and with the shared libraries it loads, is
 * reported beside and decides nothing. Refuted when a workload fails either
 * comparison; inconclusive when one could not be made (or only on a
 * fallback); confirmed when every workload passes both on the musl builds.
 */
export function decideCompactBinaries(measurements: readonly Measurement[], outcomes: readonly Outcome[]): ClaimVerdict {
  const id = 'compact-binaries';
  const sizes = measurements.filter((row) => row.suite === 'portability' && row.phase === 'size' && row.metric === 'artifact-bytes' && row.stat === 'value');
  const wasmRows = sizes.filter((row) => row.runner === 'wasm');
  if (!wasmRows.length) return notRun(id, 'no artifact sizes were measured');
  const deciding = [COMPACT_NATIVE, COMPACT_NATIVE_FALLBACK, 'container-image'];
  const notRunReasons = [...new Set(outcomes.filter((row) => row.suite === 'portability' && row.outcome === 'not-run' && deciding.includes(row.runner)).map((row) => `${row.runner}: ${row.detail}`))];
  const size = (workload: string, runner: string): Measurement | undefined => sizes.find((row) => row.workload === workload && row.runner === runner);
  const times = (value: number, wasm: number): string => `${(value / wasm).toFixed(1)}x the .wasm`;

  const failures: string[] = [];
  const undecided: string[] = [];
  const lines: string[] = [];
  // Sizes are exact: each comparison is a figure without spread, and the one with the least headroom is shown as the margin.
  const margins: { margin: Margin; headroom: number }[] = [];
  const exact = (figure: string, value: number, side: Pick<Margin, 'confirmsWhen' | 'threshold' | 'thresholdHigh'>): Margin => ({ figure, unit: 'ratio', value, low: value, high: value, interval: 'exact (file sizes)', n: 1, ...side });
  for (const wasm of wasmRows) {
    const name = wasm.workload;
    const parts = [`.wasm ${kib(wasm.value)}`];

    const musl = size(name, COMPACT_NATIVE);
    const fallback = size(name, COMPACT_NATIVE_FALLBACK);
    const native = musl ?? fallback;
    if (musl) parts.push(`musl static ${kib(musl.value)} (${times(musl.value, wasm.value)})`);
    if (fallback) parts.push(`glibc static ${kib(fallback.value)} (${times(fallback.value, wasm.value)})`);
    if (native) margins.push({ margin: exact(`${name} .wasm / ${native.runner}`, wasm.value / native.value, { confirmsWhen: 'within', threshold: 0, thresholdHigh: 1 }), headroom: native.value / wasm.value });
    if (!native) undecided.push(`${name}: no static native binary was measured`);
    else if (wasm.value > native.value) failures.push(`${name}.wasm is larger than its ${musl ? 'musl' : 'glibc'} static binary`);
    else if (!musl) undecided.push(`${name}: no musl static build here; the .wasm is under the glibc static binary, which is larger than the smallest self-contained build, so that cannot confirm`);

    const dynamic = size(name, COMPACT_DYNAMIC);
    const withLibraries = size(name, `${COMPACT_DYNAMIC}+libs`);
    if (dynamic) parts.push(`glibc dynamic ${kib(dynamic.value)} alone (${times(dynamic.value, wasm.value)})`);
    if (withLibraries) parts.push(`${kib(withLibraries.value)} with its shared libraries (${times(withLibraries.value, wasm.value)}; ${/libraries=([^,]+)/.exec(withLibraries.config)?.[1] ?? 'resolution not recorded'})`);

    const image = size(name, 'container-image');
    if (!image) undecided.push(`${name}: no container image was measured`);
    else {
      const inside = /binary=([^,]+)/.exec(image.config)?.[1] ?? 'an unrecorded binary';
      const factor = image.value / wasm.value;
      margins.push({ margin: exact(`${name} image of ${inside} / .wasm`, factor, { confirmsWhen: 'at-least', threshold: IMAGE_FACTOR }), headroom: factor / IMAGE_FACTOR });
      parts.push(`image of ${inside} ${kib(image.value)} (${times(image.value, wasm.value)})`);
      if (factor < IMAGE_FACTOR) failures.push(`${name}'s image (of ${inside}) is only ${factor.toFixed(1)}x its .wasm`);
      else if (inside !== COMPACT_NATIVE) undecided.push(`${name}: the image holds ${inside}, not ${COMPACT_NATIVE}, so its size overstates the smallest image`);
    }
    lines.push(`${name}: ${parts.join(', ')}`);
  }
  const base = {
    id,
    measured: `${claimById(id).decidedBy} (stripped binaries; image size as the Docker engine reports it)`,
    threshold: `for every workload: .wasm <= the ${COMPACT_NATIVE} binary of the same source (the smallest self-contained native build; where musl-gcc is missing, the ${COMPACT_NATIVE_FALLBACK} binary, which can refute but not confirm), and the container image (FROM scratch with that musl binary) >= ${IMAGE_FACTOR}x the .wasm; the ${COMPACT_DYNAMIC} binary, alone and with the shared libraries it loads, is reported, not deciding`,
    evidence: sizes.filter((row) => wasmRows.some((wasm) => wasm.workload === row.workload)),
    judged: 'the committed .wasm (the same bytes on every engine)',
    ...(margins.length ? { margin: [...margins].sort((a, b) => a.headroom - b.headroom)[0]!.margin } : {}),
  };
  const figures = `${lines.join('; ')}.`;
  if (failures.length) return { ...base, verdict: 'refuted', reason: `${failures.join('; ')}. ${figures}` };
  if (undecided.length) {
    const why = notRunReasons.length ? ` Not run: ${notRunReasons.join('; ')}.` : '';
    return { ...base, verdict: 'inconclusive', reason: `no failure, but not every comparison could be made on the musl builds: ${undecided.join('; ')}. ${figures}${why}` };
  }
  return { ...base, verdict: 'confirmed', reason: `every .wasm is no larger than its ${COMPACT_NATIVE} binary and its image is at least ${IMAGE_FACTOR}x larger. ${figures}` };
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
