import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryRows, valueRow, type Measurement, type Outcome } from '../../../core/results.ts';
import { summarize } from '../../../core/stats.ts';
import { interferenceConfig, judgeInterference } from '../../../suites/isolation/interference.ts';
import { anchorDifferences, decideIsolation } from '../../../suites/isolation/verdict.ts';

const REP = 'pooling=on';

function row(runner: string, config: string, subject: string, outcome: string, extra: Partial<Outcome> = {}): Outcome {
  return { suite: 'isolation', runner, config, lifecycle: 'cold', workload: subject, subject, condition: 'grant=none', outcome, detail: `${subject} ${outcome}`, ...extra };
}

function victim(runner: string, neighbour: string, latencyNs: number, config = REP): Measurement[] {
  const key = { suite: 'isolation' as const, runner, config: interferenceConfig(config, neighbour), lifecycle: 'cold', workload: 'hello', phase: 'interference', metric: 'victim-latency', unit: 'ns' };
  return [...summaryRows(key, summarize(Array.from({ length: 100 }, () => latencyNs))), valueRow({ ...key, metric: 'victim-errors', unit: 'count' }, 0)];
}

const matrix: Outcome[] = [
  row('wasm', REP, 'read-host-file', 'contained'),
  row('wasm', REP, 'crash', 'contained'),
  row('wasm', REP, 'state-carryover', 'contained'),
  row('wasm', REP, 'state-carryover', 'contained', { lifecycle: 'prewarmed' }),
  row('wasm', REP, 'state-carryover', 'escaped', { lifecycle: 'warm' }),
  row('wasm', REP, 'state-reset', 'contained', { lifecycle: 'reused' }),
  row('wasm', REP, 'clock-random', 'not-applicable'),
  row('wasm-wasmtime', 'pooling=on', 'read-host-file', 'contained'),
  row('wasm-wasmtime', 'pooling=on', 'crash', 'contained'),
  row('process', 'default', 'read-host-file', 'escaped'),
  row('process', 'default', 'crash', 'contained'),
];
const quiet = [...victim('wasm', 'none', 2e5), ...victim('wasm', 'busy', 2e5), ...victim('wasm', 'mem-hog', 2.5e5), ...victim('wasm', 'crash', 2e5)];

test('every probe contained on the representative confirms, naming the judged cell and the other substrates', () => {
  const [secure, interference, teardown] = decideIsolation(matrix, quiet, []);
  assert.equal(secure!.id, 'secure-by-default');
  assert.equal(secure!.verdict, 'confirmed');
  assert.equal(secure!.judged, 'wasm[pooling=on]/cold');
  assert.match(secure!.reason, /process: 1 escaped, 1 contained \(read-host-file\)/);
  assert.match(secure!.reason, /same outcome as Wasmtime/);
  assert.equal(secure!.engines?.find((engine) => engine.runner === 'wasm-wasmtime')?.verdict, 'confirmed');
  assert.equal(interference!.verdict, 'confirmed');
  assert.equal(teardown!.verdict, 'confirmed', 'warm state survives by design and does not count');
  assert.match(teardown!.reason, /Warm .*escaped/);
  assert.match(teardown!.reason, /Reused lifecycle \(a variant/);
});

test('one escape on the representative refutes, and a slow victim refutes no-interference', () => {
  const leaky = [...matrix, row('wasm', REP, 'state-carryover', 'escaped', { lifecycle: 'prewarmed', detail: 'static mark found' })];
  const [secure, , teardown] = decideIsolation(leaky, quiet, []);
  assert.equal(secure!.verdict, 'refuted');
  assert.equal(teardown!.verdict, 'refuted');
  assert.match(teardown!.reason, /static mark found/);
  const [, interference] = decideIsolation(matrix, [...victim('wasm', 'none', 2e5), ...victim('wasm', 'busy', 2e5), ...victim('wasm', 'mem-hog', 9e6)], []);
  assert.equal(interference!.verdict, 'refuted');
  assert.match(interference!.reason, /mem-hog/);
});

test('variants never decide: an inline configuration hogged by a neighbour is reported, not counted', () => {
  const inlineHog = row('wasm', 'pooling=on,inline', 'cpu-hog', 'host-affected', { detail: 'a CPU hog on the same runner: victim p99 201 ms' });
  const [, interference] = decideIsolation([...matrix, inlineHog], [...quiet, ...victim('wasm', 'busy', 2e5, 'pooling=on,inline'), ...victim('wasm', 'mem-hog', 2.6e8, 'pooling=on,inline')], []);
  assert.equal(interference!.verdict, 'confirmed');
  assert.match(interference!.reason, /Variants \(reported, never counted\): wasm\[pooling=on,inline\]\/cold cpu-hog grant=none: host-affected/);
  const pooledHog = row('wasm', REP, 'cpu-hog', 'host-affected', { detail: 'victim p99 201 ms' });
  assert.equal(decideIsolation([...matrix, pooledHog], quiet, [])[1]!.verdict, 'refuted', 'the representative counts');
  const reusedLeak = row('wasm', REP, 'state-reset', 'escaped', { lifecycle: 'reused', detail: 'global mark found' });
  const [, , teardown] = decideIsolation([...matrix, reusedLeak], quiet, []);
  assert.equal(teardown!.verdict, 'confirmed', 'the reused lifecycle is a variant of its own, reported');
  assert.match(teardown!.reason, /Reused lifecycle .*1 escaped/);
});

test('a probe case that could not be run keeps the claim from being confirmed', () => {
  const failed = row('wasm', REP, 'symlink-escape', 'failed', { detail: 'the probe case could not be run: no such workload' });
  const [secure] = decideIsolation([...matrix, failed], quiet, []);
  assert.equal(secure!.verdict, 'inconclusive');
  assert.match(secure!.reason, /could not be run/);
});

test('the baseline is the victim beside a busy well-behaved neighbour, so plain CPU contention is not interference', () => {
  const contended = [...victim('wasm', 'none', 2e5), ...victim('wasm', 'busy', 2e6), ...victim('wasm', 'mem-hog', 3e6), ...victim('wasm', 'crash', 2.5e6)];
  const [, interference] = decideIsolation(matrix, contended, []);
  assert.equal(interference!.verdict, 'confirmed');
  assert.match(interference!.reason, /victim p99 3\.00 ms beside it vs 2\.00 ms beside a well-behaved busy neighbour/);
  const withoutBusy = [...victim('wasm', 'none', 2e5), ...victim('wasm', 'mem-hog', 3e6)];
  const [, older] = decideIsolation(matrix, withoutBusy, []);
  assert.equal(older!.verdict, 'refuted', 'results without the busy baseline are judged against the victim alone');
  assert.match(older!.reason, /vs 0\.20 ms alone/);
});

test('interference rows name the configuration beside the neighbour, and default alone keeps the short form', () => {
  assert.equal(interferenceConfig('pooling=on,inline', 'cpu-hog'), 'pooling=on,inline neighbour=cpu-hog');
  assert.equal(interferenceConfig('default', 'none'), 'neighbour=none');
});

test('a difference between the V8 host and Wasmtime is named with both observations', () => {
  const differing = [...matrix, row('wasm', REP, 'output-flood', 'contained', { detail: 'cut off at 16 MiB' }), row('wasm-wasmtime', 'pooling=on', 'output-flood', 'escaped', { detail: 'took 80 MiB' })];
  const differences = anchorDifferences(differing);
  assert.equal(differences.length, 1);
  assert.match(differences[0]!, /output-flood .*V8 host contained \(cut off at 16 MiB\) but Wasmtime escaped \(took 80 MiB\)/);
  const [secure] = decideIsolation(differing, quiet, []);
  assert.match(secure!.reason, /1 difference/);
  assert.equal(secure!.engines?.find((engine) => engine.runner === 'wasm-wasmtime')?.verdict, 'refuted');
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
