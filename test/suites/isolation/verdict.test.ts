import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryRows, valueRow, type Measurement, type Outcome } from '../../../core/results.ts';
import { summarize } from '../../../core/stats.ts';
import { interferenceConfig, judgeInterference } from '../../../suites/isolation/interference.ts';
import { anchorDifferences, decideIsolation } from '../../../suites/isolation/verdict.ts';

function row(runner: string, config: string, subject: string, outcome: string, extra: Partial<Outcome> = {}): Outcome {
  return { suite: 'isolation', runner, config, lifecycle: 'cold', workload: subject, subject, condition: 'grant=none', outcome, detail: `${subject} ${outcome}`, ...extra };
}

function victim(runner: string, neighbour: string, latencyNs: number, config = 'pooling=off'): Measurement[] {
  const key = { suite: 'isolation' as const, runner, config: interferenceConfig(config, neighbour), lifecycle: 'cold', workload: 'hello', phase: 'interference', metric: 'victim-latency', unit: 'ns' };
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
  row('wasm', 'pooling=instance,inline', 'state-reset', 'contained'),
  row('wasm', 'pooling=instance,inline', 'state-reset', 'contained', { lifecycle: 'prewarmed' }),
  row('process', 'default', 'read-host-file', 'escaped'),
  row('process', 'default', 'crash', 'contained'),
];
const quiet = [...victim('wasm', 'none', 2e5), ...victim('wasm', 'busy', 2e5), ...victim('wasm', 'mem-hog', 2.5e5), ...victim('wasm', 'crash', 2e5)];

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
  const [, interference] = decideIsolation(matrix, [...victim('wasm', 'none', 2e5), ...victim('wasm', 'busy', 2e5), ...victim('wasm', 'mem-hog', 9e6)], []);
  assert.equal(interference!.verdict, 'refuted');
  assert.match(interference!.reason, /mem-hog/);
});

test('every configuration counts except the inline one, whose hog rows and victim latency are reported by design', () => {
  const inlineHog = row('wasm', 'pooling=on,inline', 'cpu-hog', 'host-affected', { detail: 'a CPU hog on the same runner: victim p99 201 ms' });
  const [, interference] = decideIsolation([...matrix, inlineHog], quiet, []);
  assert.equal(interference!.verdict, 'confirmed');
  assert.match(interference!.reason, /Reported, not counted \(the inline configurations, pooling=on,inline and pooling=instance,inline, run every cell on one thread by design\): the CPU hog on pooling=on,inline: host-affected \(a CPU hog on the same runner: victim p99 201 ms\)/);
  const pooledHog = row('wasm', 'pooling=on', 'cpu-hog', 'host-affected', { detail: 'victim p99 201 ms' });
  assert.equal(decideIsolation([...matrix, pooledHog], quiet, [])[1]!.verdict, 'refuted', 'a worker-thread configuration counts');
  const slowInline = [...quiet, ...victim('wasm', 'busy', 2e5, 'pooling=on,inline'), ...victim('wasm', 'mem-hog', 2.6e8, 'pooling=on,inline')];
  const [, inline] = decideIsolation(matrix, slowInline, []);
  assert.equal(inline!.verdict, 'confirmed');
  assert.match(inline!.reason, /victim \[pooling=on,inline\] beside a mem-hog: victim p99 260\.00 ms/);
  const slowPooled = [...quiet, ...victim('wasm', 'busy', 2e5, 'pooling=on'), ...victim('wasm', 'crash', 9e6, 'pooling=on')];
  assert.equal(decideIsolation(matrix, slowPooled, [])[1]!.verdict, 'refuted', 'a crashing neighbour slowing the victim counts on a worker-thread configuration');
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

test('teardown is inconclusive until both pooling configurations were checked, and a reset instance that kept state refutes it', () => {
  const withoutReset = matrix.filter((entry) => entry.subject !== 'state-reset');
  const [, , teardown] = decideIsolation(withoutReset, quiet, []);
  assert.equal(teardown!.verdict, 'inconclusive');
  assert.match(teardown!.reason, /Not checked: the instance-pooling configuration \(pooling=instance,inline, state-reset probe\)/);
  const leaked = [...matrix, row('wasm', 'pooling=instance,inline', 'state-reset', 'escaped', { detail: 'global mark found' })];
  assert.equal(decideIsolation(leaked, quiet, [])[2]!.verdict, 'refuted');
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
