/**
 * WASI conformance: the suite's own WASI preview1 programs
 * (fixtures/src/wasi/, one per family) on every Wasm engine path of the run,
 * each in a fresh, empty, writable directory granted as /sandbox, cold, the
 * engine's default configuration. A program passes on an engine when every
 * case it prints has an answer the specification allows (fixtures/conformance.ts).
 * One outcome row per program and engine: condition `conformance`, outcome
 * `pass`, `fail` or `not-run`, the differing cases in the detail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toBenchError } from '../../core/errors.ts';
import type { Outcome } from '../../core/results.ts';
import { CONFORMANCE_REQUEST, CONFORMANCE_SANDBOX, judgeConformance, loadConformancePrograms, type ConformanceProgram } from '../../fixtures/conformance.ts';
import type { Cell, Runner } from '../../runners/types.ts';
import type { UnavailableRunner } from '../types.ts';
import { isWasmEngine } from './engines.ts';

/** The condition of every conformance row. */
export const CONFORMANCE_CONDITION = 'conformance';

/** What one run of a program gave: its output, or why there is none. */
export type ProgramRun = { status: 'ran'; output: string; exitCode: number | null; stderr: string } | { status: 'failed'; error: string };

/** Most differing cases written into a row's detail (the count is always there). */
const DETAIL_DIFFERENCES = 6;

/** Where and how to run a program. */
export interface ProgramRunOptions {
  signal?: AbortSignal;
  /** The runner's configuration; its first by default. */
  config?: string;
  /** The host directory granted as /sandbox (empty, kept afterwards); a fresh temporary one, removed afterwards, by default. */
  sandboxDir?: string;
}

/**
 * Runs one program once on a runner with a directory granted writable as
 * /sandbox (a fresh temporary one unless given).
 */
export async function runConformanceProgram(runner: Runner, program: ConformanceProgram, options: ProgramRunOptions = {}): Promise<ProgramRun> {
  const { signal, config } = options;
  const sandbox = options.sandboxDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `wsb-conformance-${program.family}-`));
  let cell: Cell | undefined;
  try {
    cell = await runner.open({ workload: program.workload, lifecycle: 'cold', config: config ?? runner.configurations[0], dirs: [{ hostPath: sandbox, guestPath: CONFORMANCE_SANDBOX, writable: true }] }, signal);
    const result = await cell.invoke(CONFORMANCE_REQUEST, signal);
    if (result.response.status !== 200) return { status: 'failed', error: `status ${result.response.status}: ${Buffer.from(result.response.body).toString('utf8').slice(0, 200)}` };
    return { status: 'ran', output: Buffer.from(result.response.body).toString('utf8'), exitCode: result.exitCode, stderr: result.stderr };
  } catch (thrown) {
    if (signal?.aborted) throw thrown;
    return { status: 'failed', error: toBenchError(thrown).message };
  } finally {
    await cell?.close().catch(() => undefined);
    if (!options.sandboxDir) fs.rmSync(sandbox, { recursive: true, force: true });
  }
}

/** What the conformance part needs from the suite's context. */
export interface ConformanceInput {
  /** Available runners; the `wasm*` ones are run. */
  runners: readonly Runner[];
  /** Unavailable runners; the `wasm*` ones become `not-run` rows. */
  unavailable: readonly UnavailableRunner[];
  signal: AbortSignal;
  progress(message: string): void;
}

/** Runs every conformance program on every Wasm engine path and returns the outcome rows. */
export async function runConformance(input: ConformanceInput): Promise<Outcome[]> {
  const engines = input.runners.filter((runner) => isWasmEngine(runner.name));
  const absent = input.unavailable.filter((entry) => isWasmEngine(entry.runner));
  const rows: Outcome[] = [];
  for (const program of loadConformancePrograms()) {
    const row = (runner: string, config: string, outcome: string, detail: string): Outcome => ({
      suite: 'portability', runner, config, lifecycle: 'cold', workload: program.workload.name, subject: program.workload.name, condition: CONFORMANCE_CONDITION, outcome, detail,
    });
    for (const entry of absent) rows.push(row(entry.runner, '-', 'not-run', `not run: ${entry.reason}`));
    for (const engine of engines) {
      input.signal.throwIfAborted();
      const config = engine.configurations[0] ?? 'default';
      const run = await runConformanceProgram(engine, program, { signal: input.signal, config });
      if (run.status === 'failed') {
        rows.push(row(engine.name, config, 'fail', `0/${program.cases.length} cases: the program did not answer (${run.error})`));
        input.progress(`conformance ${program.family} on ${engine.name}: FAIL (no answer: ${run.error})`);
        continue;
      }
      const judged = judgeConformance(program, run.output);
      const shown = judged.differences.slice(0, DETAIL_DIFFERENCES).join('; ');
      const more = judged.differences.length > DETAIL_DIFFERENCES ? `; ${judged.differences.length - DETAIL_DIFFERENCES} more` : '';
      const detail = judged.passed ? `${judged.cases}/${judged.cases} cases as the specification allows` : `${judged.passedCases}/${judged.cases} cases as the specification allows; ${shown}${more}`;
      rows.push(row(engine.name, config, judged.passed ? 'pass' : 'fail', detail));
      input.progress(`conformance ${program.family} on ${engine.name}: ${judged.passed ? 'pass' : 'FAIL'} (${judged.passedCases}/${judged.cases})`);
    }
  }
  return rows;
}
