import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryRows, valueRow, type Measurement, type Outcome } from '../../../core/results.ts';
import { summarize } from '../../../core/stats.ts';
import { judgeInterference } from '../../../suites/isolation/interference.ts';
import { anchorDifferences, decideIsolation } from '../../../suites/isolation/verdict.ts';

function row(runner: string, config: string, subject: string, outcome: string, extra: Partial<Outcome> = {}): Outcome {
  return { suite: 'isolation', runner, config, lifecycle: 'cold', workload: subject, subject, condition: 'grant=none', outcome, detail: `${subject} ${outcome}`, ...extra };
}

function victim(runner: string, neighbour: string, latencyNs: number): Measurement[] {
  const key = { suite: 'isolation' as const, runner, config: `neighbour=${neighbour}`, lifecycle: 'cold', workload: 'hello', phase: 'interference', metric: 'victim-latency', unit: 'ns' };
  return [...summaryRows(key, summarize(Array.from({ length: 100 }, () => latencyNs))), valueRow({ ...key, metric: 'victim-errors', unit: 'count' }, 0)];
}

const matrix: Outcome[] = [
  ...['pooling=off', 'pooling=on'].flatMap((config) => [
    row('wasm', config, 'read-host-file', 'contained'),
    row('wasm', config, 'crash', 'contained'),
    row('wasm', config, 'state-carryover', 'contained'),
    row('wasm', config, 'state-carryover', 'contained', { lifecycle: 'prewarmed' }),
    row('wasm', config, 'state-carryover', 'escaped', { lifecycle: 'warm' }),
    row('wasm', config, 'clock-random', 'not-applicable'),
    row('wasm-wasmtime', config, 'read-host-file', 'contained'),
  ]),
  row('process', 'default', 'read-host-file', 'escaped'),
  row('process', 'default', 'crash', 'contained'),
];
const quiet = [...victim('wasm', 'none', 2e5), ...victim('wasm', 'mem-hog', 2.5e5), ...victim('wasm', 'crash', 2e5)];

test('every probe contained on the reference runtime confirms, naming the other substrates', () => {
  const [secure, interference, teardown] = decideIsolation(matrix, quiet, []);
  assert.equal(secure!.id, 'secure-by-default');
  assert.equal(secure!.verdict, 'confirmed');
  assert.match(secure!.reason, /process: 1 escaped, 1 contained \(read-host-file\)/);
  assert.match(secure!.reason, /same outcome as Wasmtime/);
  assert.equal(interference!.verdict, 'confirmed');
  assert.equal(teardown!.verdict, 'confirmed', 'warm state survives by design and does not count');
  assert.match(teardown!.reason, /Warm .*escaped/);
});

test('one escape on the reference runtime refutes, and a slow victim refutes no-interference', () => {
  const leaky = [...matrix, row('wasm', 'pooling=on', 'state-carryover', 'escaped', { lifecycle: 'prewarmed', detail: 'static mark found' })];
  const [secure, , teardown] = decideIsolation(leaky, quiet, []);
  assert.equal(secure!.verdict, 'refuted');
  assert.equal(teardown!.verdict, 'refuted');
  assert.match(teardown!.reason, /static mark found/);
  const [, interference] = decideIsolation(matrix, [...victim('wasm', 'none', 2e5), ...victim('wasm', 'mem-hog', 9e6)], []);
  assert.equal(interference!.verdict, 'refuted');
  assert.match(interference!.reason, /mem-hog/);
});

test('a difference between the V8 host and Wasmtime is named with both observations', () => {
  const differing = [...matrix, row('wasm', 'pooling=off', 'output-flood', 'contained', { detail: 'cut off at 16 MiB' }), row('wasm-wasmtime', 'pooling=off', 'output-flood', 'escaped', { detail: 'took 80 MiB' })];
  const differences = anchorDifferences(differing);
  assert.equal(differences.length, 1);
  assert.match(differences[0]!, /output-flood .*V8 host contained \(cut off at 16 MiB\) but Wasmtime escaped \(took 80 MiB\)/);
  const [secure] = decideIsolation(differing, quiet, []);
  assert.match(secure!.reason, /1 difference/);
});

test('without the reference runtime the claims are not-run with the reason', () => {
  const verdicts = decideIsolation([row('process', 'default', 'crash', 'contained')], [], [{ runner: 'wasm', reason: 'no WebAssembly' }]);
  assert.deepEqual(verdicts.map((verdict) => verdict.verdict), ['not-run', 'not-run', 'not-run']);
  assert.match(verdicts[0]!.reason, /no WebAssembly/);
});

test('interference threshold: twice the p99 and at least a millisecond slower, or any failed victim request', () => {
  assert.equal(judgeInterference(2e5, 9e5, 0).interfered, false, 'sub-millisecond jitter');
  assert.equal(judgeInterference(2e6, 3.5e6, 0).interfered, false, 'less than twice');
  assert.equal(judgeInterference(2e6, 5e6, 0).interfered, true);
  assert.equal(judgeInterference(2e6, 2e6, 1).interfered, true);
});
