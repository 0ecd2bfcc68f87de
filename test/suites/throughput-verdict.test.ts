import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement, Outcome } from '../../core/results.ts';
import { decideThroughput } from '../../suites/throughput/verdict.ts';

/** One closed-loop round of a target, as the throughput suite writes it. */
const round = (runner: string, value: number, iteration: number, config = 'default', lifecycle = 'cold'): Measurement => ({
  suite: 'throughput', runner, config, lifecycle, workload: 'hello', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value, iteration,
});
/** Three rounds of a target. */
const rounds = (runner: string, values: [number, number, number], config = 'default', lifecycle = 'cold'): Measurement[] => values.map((value, i) => round(runner, value, i, config, lifecycle));
const REP = 'pooling=on';
const harness = (noop: [number, number, number]): Measurement[] => [...rounds('front-noop', noop, 'workers=2', '-'), ...rounds('loadgen-ceiling', [50_000, 51_000, 52_000], 'simplest-server', '-')];

test('a ceiling below 100k makes the verdict inconclusive, with per-core figures', () => {
  const verdict = decideThroughput([...harness([20_000, 21_000, 22_000]), ...rounds('wasm', [15_000, 16_000, 17_000], REP)], [], 2);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.equal(verdict.judged, 'wasm[pooling=on]/cold');
  assert.match(verdict.reason, /10,500 req\/s per core/);
  assert.equal(verdict.margin?.interval, 'range of 3 interleaved rounds');
});

test('the representative at 100k or more in every round confirms; a straddling range is inconclusive', () => {
  assert.equal(decideThroughput([...harness([300_000, 310_000, 320_000]), ...rounds('wasm', [120_000, 125_000, 130_000], REP)], [], 16).verdict, 'confirmed');
  assert.equal(decideThroughput([...harness([300_000, 310_000, 320_000]), ...rounds('wasm', [90_000, 110_000, 130_000], REP)], [], 16).verdict, 'inconclusive');
});

test('a ceiling above 100k in every round with the representative wholly below refutes', () => {
  assert.equal(decideThroughput([...harness([300_000, 310_000, 320_000]), ...rounds('wasm', [60_000, 61_000, 62_000], REP), ...rounds('process', [200_000, 200_000, 200_000])], [], 16).verdict, 'refuted');
});

test('no best-of: a faster variant configuration or the reused lifecycle never decides', () => {
  const rows = [
    ...harness([300_000, 310_000, 320_000]),
    ...rounds('wasm', [60_000, 61_000, 62_000], REP),
    ...rounds('wasm', [150_000, 151_000, 152_000], 'pooling=on,inline'),
    ...rounds('wasm', [170_000, 171_000, 172_000], REP, 'reused'),
  ];
  assert.equal(decideThroughput(rows, [], 16).verdict, 'refuted');
});

test('a cell that failed under load never decides', () => {
  const failed: Outcome = { suite: 'throughput', runner: 'wasm', config: REP, lifecycle: 'cold', workload: 'hello', subject: 'cell', condition: 'closed-loop', outcome: 'failed', detail: '40 wrong answers' };
  const verdict = decideThroughput([...harness([300_000, 310_000, 320_000]), ...rounds('wasm', [120_000, 125_000, 130_000], REP)], [failed], 16);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /40 wrong answers/);
});

test('other engines are judged beside the headline; without the reference the claim is not-run', () => {
  const verdict = decideThroughput([...harness([20_000, 21_000, 22_000]), ...rounds('wasm', [15_000, 16_000, 17_000], REP), ...rounds('wasm-wazero', [5_000, 5_100, 5_200], 'compiler')], [], 2);
  assert.deepEqual(verdict.engines?.map((engine) => engine.judged), ['wasm-wazero[compiler]/cold']);
  assert.equal(decideThroughput([...harness([30_000, 30_000, 30_000]), ...rounds('wasm-wazero', [5_000, 5_100, 5_200], 'compiler')], [], 2).verdict, 'not-run');
});

test('the spin calibration is named beside the cell and is never taken for one', () => {
  const rows = [...harness([20_000, 20_000, 20_000]), ...rounds('front-spin', [18_000, 18_000, 18_000], 'spin=5us', '-'), ...rounds('wasm', [6_000, 6_000, 6_000], REP)];
  assert.match(decideThroughput(rows, [], 2).reason, /30% of the front's no-op ceiling .*keeps 90% at 5us/);
  assert.equal(decideThroughput([...harness([20_000, 20_000, 20_000]), ...rounds('front-spin', [18_000, 18_000, 18_000], 'spin=5us', '-')], [], 2).verdict, 'not-run');
});

test('with Locust beside autocannon, the load engine whose own ceiling reaches 100k decides, and its failures stay its own', () => {
  const locust = (rowsOf: Measurement[]): Measurement[] => rowsOf.map((row) => ({ ...row, phase: 'locust-closed-loop' }));
  const autocannonLimited = [...harness([30_000, 31_000, 32_000]), ...rounds('wasm', [20_000, 21_000, 22_000], REP)];
  const distributed = locust([...rounds('front-noop', [400_000, 410_000, 420_000], 'workers=2', '-'), ...rounds('wasm', [60_000, 61_000, 62_000], REP)]);
  const verdict = decideThroughput([...autocannonLimited, ...distributed], [], 2);
  assert.equal(verdict.verdict, 'refuted', 'Locust\'s ceiling reaches 100k in every round, the representative does not');
  assert.match(verdict.reason, /under Locust/);
  assert.match(verdict.reason, /Beside it, .*under autocannon/);
  const locustFailure: Outcome = { suite: 'throughput', runner: 'wasm', config: REP, lifecycle: 'cold', workload: 'hello', subject: 'cell', condition: 'locust-closed-loop', outcome: 'failed', detail: 'wrong answers under Locust' };
  const onlyAutocannon = decideThroughput([...harness([300_000, 310_000, 320_000]), ...rounds('wasm', [120_000, 125_000, 130_000], REP)], [locustFailure], 16);
  assert.equal(onlyAutocannon.verdict, 'confirmed', 'a failure under Locust does not exclude the autocannon judgement');
});
