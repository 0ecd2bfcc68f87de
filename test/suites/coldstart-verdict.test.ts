import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRows, summaryRows, valueRow, type Measurement } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { decideColdstart } from '../../suites/coldstart/verdict.ts';

/** A cell's samples and summary, as the coldstart suite writes them. */
function cell(runner: string, config: string, valuesNs: number[], options: { lifecycle?: string; phase?: string } = {}): Measurement[] {
  const key = { suite: 'coldstart' as const, runner, config, lifecycle: options.lifecycle ?? 'cold', workload: 'hello', phase: options.phase ?? 'L1', metric: 'duration', unit: 'ns' };
  return [...sampleRows(key, valuesNs), ...summaryRows(key, summarize(valuesNs))];
}
/** n values evenly spread over +-10% of a centre. */
const spread = (centerNs: number, n = 1000): number[] => Array.from({ length: n }, (_, i) => centerNs * (0.9 + (0.2 * i) / n));
const byId = (verdicts: ReturnType<typeof decideColdstart>, id: string) => verdicts.find((v) => v.id === id)!;

const REP = 'pooling=on';
const CONTAINER = 'profile=default';

test('the representative decides: a faster variant configuration never does (no best-of)', () => {
  // The representative's p99 is over 1 ms; an inline variant's would pass.
  const rows = [...cell('wasm', REP, spread(1.5e6)), ...cell('wasm', 'pooling=on,inline', spread(50_000))];
  const subMs = byId(decideColdstart(rows, []), 'coldstart-sub-ms');
  assert.equal(subMs.verdict, 'refuted');
  assert.equal(subMs.judged, 'wasm[pooling=on]/cold');
  assert.equal(subMs.margin?.figure, 'L1 p99 of hello');
  assert.ok(subMs.margin!.low >= 1e6, 'the margin is the representative\'s, not the variant\'s');
});

test('the reused lifecycle never stands for cold, however fast', () => {
  const rows = [...cell('wasm', REP, spread(1.5e6)), ...cell('wasm', REP, spread(10_000), { lifecycle: 'reused' })];
  assert.equal(byId(decideColdstart(rows, []), 'coldstart-sub-ms').verdict, 'refuted');
  const onlyReused = cell('wasm', REP, spread(10_000), { lifecycle: 'reused' });
  assert.equal(byId(decideColdstart(onlyReused, []), 'coldstart-sub-ms').verdict, 'not-run');
});

test('a p99 from fewer than 100 samples decides nothing', () => {
  const subMs = byId(decideColdstart(cell('wasm', REP, spread(50_000, 99)), []), 'coldstart-sub-ms');
  assert.equal(subMs.verdict, 'inconclusive');
  assert.match(subMs.reason, /99 sample/);
});

test('a p99 interval straddling 1 ms is inconclusive; wholly under confirms', () => {
  // 1000 samples: 985 fast, 15 around 1 ms, so the p99's interval (ranks 983..998) spans both sides of 1 ms.
  const straddling = [...spread(50_000, 985), ...Array.from({ length: 15 }, (_, i) => 0.7e6 + i * 0.05e6)];
  assert.equal(byId(decideColdstart(cell('wasm', REP, straddling), []), 'coldstart-sub-ms').verdict, 'inconclusive');
  assert.equal(byId(decideColdstart(cell('wasm', REP, spread(50_000)), []), 'coldstart-sub-ms').verdict, 'confirmed');
});

test('orders of magnitude: decided on the bootstrap interval of the ratio to the representative container, per engine', () => {
  const rows = [
    ...cell('wasm', REP, spread(50_000)),
    ...cell('wasm-wasmtime', 'pooling=on', spread(8e6)),
    ...cell('container', CONTAINER, spread(400e6, 30)),
    ...cell('container', 'profile=hardened', spread(4e9, 30)),
    ...cell('process', 'default', spread(1e6)),
  ];
  const orders = byId(decideColdstart(rows, []), 'coldstart-orders-of-magnitude');
  assert.equal(orders.verdict, 'confirmed');
  assert.equal(orders.margin?.unit, 'ratio');
  assert.ok(orders.margin!.low >= 100);
  assert.match(orders.reason, /container\[profile=default\]\/cold/);
  const wasmtime = orders.engines?.find((engine) => engine.runner === 'wasm-wasmtime');
  assert.equal(wasmtime?.verdict, 'refuted', '400 ms / 8 ms: about 50x, wholly under 100x, judged beside the headline');
});

test('orders of magnitude: an interval straddling 100x is inconclusive', () => {
  const rows = [...cell('wasm', REP, spread(4e6, 200)), ...cell('container', CONTAINER, spread(400e6, 30))];
  assert.equal(byId(decideColdstart(rows, []), 'coldstart-orders-of-magnitude').verdict, 'inconclusive');
});

test('container cold start ends at the response: teardown and the CLI calibration are reported apart', () => {
  const rows = [
    ...cell('wasm', REP, spread(50_000)),
    ...cell('container', CONTAINER, spread(250e6, 30)),
    ...cell('container', CONTAINER, spread(40e6, 30), { phase: 'teardown' }),
    ...cell('container', CONTAINER, spread(290e6, 30), { phase: 'request-cost' }),
    ...cell('container', `${CONTAINER},client=docker-cli`, spread(260e6, 30), { phase: 'request-cost' }),
  ];
  const seconds = byId(decideColdstart(rows, []), 'container-start-seconds');
  assert.equal(seconds.verdict, 'refuted');
  assert.equal(seconds.judged, 'container[profile=default]/cold');
  assert.ok(seconds.margin!.high < 1e9 && seconds.margin!.low > 200e6, 'the L1 figure, without teardown');
  assert.match(seconds.reason, /Teardown/);
  assert.match(seconds.reason, /docker run --rm -i/);
  assert.match(seconds.reason, /within the 1.25x/);
});

test('without a container engine the container claims are not-run with the reason', () => {
  const verdicts = decideColdstart([...cell('wasm', REP, spread(50_000)), ...cell('process', 'default', spread(1e6))], [{ runner: 'container', reason: 'no socket at /var/run/docker.sock' }]);
  for (const id of ['coldstart-orders-of-magnitude', 'container-start-seconds']) {
    const verdict = byId(verdicts, id);
    assert.equal(verdict.verdict, 'not-run');
    assert.match(verdict.reason, /docker\.sock/);
  }
});

test('containers taking seconds confirm container-start-seconds; fewer than six samples cannot', () => {
  assert.equal(byId(decideColdstart(cell('container', CONTAINER, spread(2.5e9, 12)), []), 'container-start-seconds').verdict, 'confirmed');
  assert.equal(byId(decideColdstart(cell('container', CONTAINER, spread(2.5e9, 5)), []), 'container-start-seconds').verdict, 'inconclusive');
});

test('idle cost: decided on the range of readings of the representative slots', () => {
  const idle = (runner: string, config: string, median: number, min: number, max: number): Measurement[] => {
    const key = { suite: 'coldstart' as const, runner, config, lifecycle: 'prewarmed', workload: 'hello', phase: 'idle', metric: 'rss-per-slot', unit: 'bytes' };
    return [valueRow(key, median), { ...valueRow(key, min), stat: 'min' }, { ...valueRow(key, max), stat: 'max' }, { ...valueRow(key, 3), stat: 'count' }];
  };
  const confirmed = byId(decideColdstart([...idle('wasm', REP, 100e3, 90e3, 110e3), ...idle('container', CONTAINER, 5e6, 4.5e6, 5.5e6)], []), 'prewarm-idle-cost');
  assert.equal(confirmed.verdict, 'confirmed', confirmed.reason);
  const straddling = byId(decideColdstart([...idle('wasm', REP, 400e3, 200e3, 600e3), ...idle('container', CONTAINER, 5e6, 4.5e6, 5.5e6)], []), 'prewarm-idle-cost');
  assert.equal(straddling.verdict, 'inconclusive', '4.5 MB / 600 kB = 7.5x .. 5.5 MB / 200 kB = 27.5x straddles 10x');
  const variantOnly = byId(decideColdstart([...idle('wasm', 'pooling=on,inline', 10e3, 9e3, 11e3), ...idle('container', CONTAINER, 5e6, 4.5e6, 5.5e6)], []), 'prewarm-idle-cost');
  assert.equal(variantOnly.verdict, 'not-run', 'a variant never decides');
});
