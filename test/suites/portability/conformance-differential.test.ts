/**
 * The differential run: every WASI conformance program on the reference
 * runtime and on Wasmtime (the `wasm-wasmtime` runner). Their outputs must be
 * the same, case by case, except where the expected file lists Wasmtime's
 * answer as one the specification also admits, and except the differences
 * declared below with their reason. A declared difference that no longer
 * shows fails the test too, so the list stays true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConformancePrograms, parseCaseLines } from '../../../fixtures/conformance.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { createWasmtimeRunner } from '../../../runners/wasmtime/index.ts';
import { runConformanceProgram } from '../../../suites/portability/conformance.ts';
import { skipUnlessAvailable } from '../../runners/engine-fixtures.ts';

/** Where Wasmtime answers outside what the specification admits, by program: the cases and why. */
const KNOWN_DIFFERENCES: Record<string, { reason: string; cases: readonly string[] }> = {
  'wasi-dirs': {
    reason: 'Wasmtime answers INVAL to path_remove_directory("e/") on an empty directory; Linux rmdir(2) and the spec tests (remove_directory_trailing_slashes) remove it',
    cases: ['rmdir-trailing-slash'],
  },
  'wasi-rights': {
    reason: "Wasmtime's WASIp1 implements no rights (crates/wasi/src/p1.rs: fd_fdstat_set_rights answers NOTSUP, path_open keeps only read/write), so every case that depends on a right held or dropped differs",
    cases: [
      'read-only-set-size', 'file-gets-no-directory-rights', 'set-rights-same', 'set-rights-drop-read-write', 'dropped-rights-gone', 'dropped-read',
      'dropped-write', 'set-rights-grow', 'set-rights-drop-set-size', 'set-size-without-right', 'size-kept-without-right', 'set-rights-drop-seek',
      'seek-without-right', 'limited-directory-rights', 'limited-create-file', 'limited-truncate', 'limited-truncate-size-kept', 'limited-mkdir',
      'limited-unlink', 'limited-symlink', 'limited-rename', 'limited-set-times', 'limited-open-read', 'limited-file-inherits-read-only',
      'limited-file-write', 'set-rights-directory-drop-readdir', 'readdir-without-right', 'truncate-with-right', 'set-rights-drop-path-set-size',
      'truncate-without-right', 'stderr-drop-write', 'stderr-write-without-right',
    ],
  },
};

const wasmtime = createWasmtimeRunner();
const reference = createWasmRunner();
const skip = await skipUnlessAvailable(wasmtime);

for (const program of loadConformancePrograms()) {
  test(`${program.workload.name}: the reference runtime and Wasmtime answer alike`, { skip }, async () => {
    const ours = await runConformanceProgram(reference, program);
    const theirs = await runConformanceProgram(wasmtime, program);
    assert.equal(ours.status, 'ran', ours.status === 'failed' ? ours.error : '');
    assert.equal(theirs.status, 'ran', theirs.status === 'failed' ? theirs.error : '');
    if (ours.status !== 'ran' || theirs.status !== 'ran') return;
    const theirAnswers = new Map(parseCaseLines(theirs.output).map((line) => [line.name, line.value]));
    const known = new Set(KNOWN_DIFFERENCES[program.workload.name]?.cases ?? []);
    const unexplained: string[] = [];
    const shown = new Set<string>();
    for (const line of parseCaseLines(ours.output)) {
      const their = theirAnswers.get(line.name);
      if (their === line.value) continue;
      const admitted = program.cases.find((expected) => expected.name === line.name)?.accepted.includes(their ?? '') ?? false;
      if (admitted) continue;
      if (known.has(line.name)) shown.add(line.name);
      else unexplained.push(`${line.name}: reference ${line.value}, Wasmtime ${their ?? 'missing'}`);
    }
    assert.deepEqual(unexplained, [], 'differences the specification does not admit and that are not declared');
    assert.deepEqual([...known].filter((name) => !shown.has(name)), [], `declared differences that no longer show (${KNOWN_DIFFERENCES[program.workload.name]?.reason ?? ''})`);
  });
}
