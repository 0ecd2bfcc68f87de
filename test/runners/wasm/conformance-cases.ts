/**
 * Test helper: runs one WASI conformance program (fixtures/src/wasi/) on the
 * reference runtime, in a directory granted as /sandbox inside a parent the
 * test can inspect afterwards, and declares one test per expected case that
 * checks the exact answer the reference runtime must give (the first of the
 * expected file's answers).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { conformanceProgram, parseCaseLines, type ConformanceProgram } from '../../../fixtures/conformance.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { runConformanceProgram } from '../../../suites/portability/conformance.ts';

/** What a family's run left behind, for checks on the host side. */
export interface FamilyRun {
  program: ConformanceProgram;
  /** The program's answer, case name -> value. */
  answers: Map<string, string>;
  /** The temporary parent of the granted directory (nothing may appear in it but `sandbox`). */
  parentDir: string;
  /** The granted directory on the host. */
  sandboxDir: string;
}

/**
 * Declares the tests of one family: the program runs once before them, each
 * case is a test of its own, and `hostChecks` may add tests on what the run
 * left on the host. Returns a getter of the run for those tests.
 */
export function conformanceFamily(family: string): () => FamilyRun {
  const program = conformanceProgram(family);
  let run: FamilyRun | undefined;
  before(async () => {
    const parentDir = fs.mkdtempSync(path.join(os.tmpdir(), `wsb-family-${family}-`));
    const sandboxDir = path.join(parentDir, 'sandbox');
    fs.mkdirSync(sandboxDir);
    const result = await runConformanceProgram(createWasmRunner(), program, { sandboxDir });
    if (result.status !== 'ran') throw new Error(`${program.workload.name} did not answer on the reference runtime: ${result.error}`);
    run = { program, answers: new Map(parseCaseLines(result.output).map((line) => [line.name, line.value])), parentDir, sandboxDir };
  });
  after(() => {
    if (run) fs.rmSync(run.parentDir, { recursive: true, force: true });
  });
  const current = (): FamilyRun => {
    assert.ok(run, 'the program ran');
    return run;
  };
  test(`${family}: the program prints exactly the expected cases, in order`, () => {
    const printed = [...current().answers.keys()];
    assert.deepEqual(printed, program.cases.map((expected) => expected.name));
  });
  for (const expected of program.cases) {
    test(`${family}: ${expected.name} answers ${expected.accepted[0]}`, () => {
      assert.equal(current().answers.get(expected.name), expected.accepted[0]);
    });
  }
  test(`${family}: nothing appeared beside the granted directory`, () => {
    assert.deepEqual(fs.readdirSync(current().parentDir), ['sandbox']);
  });
  return current;
}
