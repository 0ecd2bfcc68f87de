/**
 * Portability: every committed workload `.wasm`, identified by its sha256,
 * run with every canned request on every Wasm engine path of the run (cold
 * lifecycle, default configuration); the outputs are compared with the
 * manifest. One outcome row per artifact and engine; the bench labels it
 * with the machine, so records from several machines merge into one table.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { portabilityDetail } from '../../core/portability-verdict.ts';
import { toBenchError } from '../../core/errors.ts';
import type { Outcome } from '../../core/results.ts';
import { responseMismatch, sha256Hex, type Workload } from '../../fixtures/manifest.ts';
import type { Cell, Runner, WorkloadResponse } from '../../runners/types.ts';
import type { UnavailableRunner } from '../types.ts';

/** What the portability part needs from the suite's context. */
export interface EnginePortabilityInput {
  workloads: readonly Workload[];
  /** Available runners; those whose name starts with `wasm` are the engine paths. */
  runners: readonly Runner[];
  /** Unavailable runners; the `wasm*` ones become `not-run` rows. */
  unavailable: readonly UnavailableRunner[];
  signal: AbortSignal;
  progress(message: string): void;
}

/** Whether a runner is a Wasm engine path (the V8 host, jco, Wasmtime, wazero, CLI engines). */
export function isWasmEngine(name: string): boolean {
  return name.startsWith('wasm');
}

/**
 * One digest for all the responses of an artifact's canned requests:
 * sha256 over `name status body-sha256` lines, in manifest order.
 */
export function outputDigest(responses: readonly { name: string; response: WorkloadResponse }[]): string {
  const hash = createHash('sha256');
  for (const { name, response } of responses) hash.update(`${name} ${response.status} ${sha256Hex(response.body)}\n`);
  return hash.digest('hex');
}

/** Runs every artifact on every engine path and returns the outcome rows. */
export async function runEnginePortability(input: EnginePortabilityInput): Promise<Outcome[]> {
  const { signal, progress } = input;
  const engines = input.runners.filter((runner) => isWasmEngine(runner.name));
  // Server runners serve components, not the CGI modules: they are no engine path of this matrix.
  const absent = input.unavailable.filter((entry) => isWasmEngine(entry.runner) && !entry.server);
  const rows: Outcome[] = [];
  for (const workload of input.workloads) {
    signal.throwIfAborted();
    const subject = `${workload.name}.wasm`;
    const row = (runner: string, config: string, outcome: string, detail: string): Outcome => ({
      suite: 'portability', runner, config, lifecycle: 'cold', workload: workload.name, subject, condition: `engine=${runner}`, outcome, detail,
    });
    // The file on disk must be the committed artifact: the claim is about these exact bytes.
    const artifactSha256 = sha256Hex(fs.readFileSync(workload.wasmPath));
    if (artifactSha256 !== workload.sha256) {
      const reason = `not run: the file on disk is not the committed artifact (manifest sha256 ${workload.sha256}); rebuild or check out fixtures/wasm again`;
      for (const engine of engines) rows.push(row(engine.name, engine.configurations[0] ?? 'default', 'not-run', portabilityDetail(artifactSha256, null, reason)));
      progress(`${subject}: ${reason}`);
      continue;
    }
    for (const entry of absent) rows.push(row(entry.runner, '-', 'not-run', portabilityDetail(artifactSha256, null, `not run: ${entry.reason}`)));
    for (const engine of engines) {
      const config = engine.configurations[0] ?? 'default';
      const outcome = await runOnEngine(engine, config, workload, signal);
      rows.push(row(engine.name, config, outcome.matched ? 'match' : 'mismatch', portabilityDetail(artifactSha256, outcome.outputSha256, outcome.seen)));
      progress(`${subject} (${artifactSha256.slice(0, 12)}) on ${engine.name}: ${outcome.matched ? 'match' : 'MISMATCH'} (${outcome.seen})`);
    }
  }
  return rows;
}

/** What one engine made of one artifact's canned requests. */
interface EngineOutcome {
  matched: boolean;
  outputSha256: string | null;
  seen: string;
}

async function runOnEngine(engine: Runner, config: string, workload: Workload, signal: AbortSignal): Promise<EngineOutcome> {
  let cell: Cell | undefined;
  const responses: { name: string; response: WorkloadResponse }[] = [];
  const differences: string[] = [];
  try {
    cell = await engine.open({ workload, lifecycle: 'cold', config }, signal);
    for (const canned of workload.requests) {
      const result = await cell.invoke(canned.request, signal);
      responses.push({ name: canned.name, response: result.response });
      const mismatch = responseMismatch(canned.expected, result.response);
      if (mismatch) differences.push(`${canned.name}: ${mismatch}`);
    }
  } catch (thrown) {
    if (signal.aborted) throw thrown;
    // An engine that cannot run the artifact did not give the expected output: that is a mismatch, with the error.
    return { matched: false, outputSha256: responses.length ? outputDigest(responses) : null, seen: `error after ${responses.length}/${workload.requests.length} requests: ${toBenchError(thrown).message}` };
  } finally {
    await cell?.close().catch(() => undefined);
  }
  const names = workload.requests.map((canned) => canned.name).join(', ');
  return differences.length
    ? { matched: false, outputSha256: outputDigest(responses), seen: `${differences.length}/${responses.length} requests differ from the manifest: ${differences.join('; ')}` }
    : { matched: true, outputSha256: outputDigest(responses), seen: `${responses.length}/${responses.length} requests match the manifest (${names})` };
}
