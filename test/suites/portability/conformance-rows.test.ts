import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { CONFORMANCE_CONDITION, runConformance } from '../../../suites/portability/conformance.ts';

test('conformance: one row per program and engine; the reference runtime passes every program, an unavailable engine is not-run', async () => {
  const rows = await runConformance({
    runners: [createWasmRunner()],
    unavailable: [{ runner: 'wasm-missing', reason: 'not installed here' }],
    signal: new AbortController().signal,
    progress: () => {},
  });
  const ours = rows.filter((row) => row.runner === 'wasm');
  assert.equal(ours.length, 7);
  for (const row of ours) {
    assert.equal(row.suite, 'portability');
    assert.equal(row.condition, CONFORMANCE_CONDITION);
    assert.equal(row.subject, row.workload);
    assert.equal(row.outcome, 'pass', `${row.subject}: ${row.detail}`);
    assert.match(row.detail, /^\d+\/\d+ cases as the specification allows$/);
  }
  const absent = rows.filter((row) => row.runner === 'wasm-missing');
  assert.equal(absent.length, 7);
  for (const row of absent) {
    assert.equal(row.outcome, 'not-run');
    assert.equal(row.detail, 'not run: not installed here');
  }
});
