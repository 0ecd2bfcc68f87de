import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRows, summaryRows, type Measurement } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { decideColdstart } from '../../suites/coldstart/verdict.ts';

function cell(runner: string, valuesNs: number[], lifecycle = 'cold'): Measurement[] {
  const key = { suite: 'coldstart' as const, runner, config: 'default', lifecycle, workload: 'hello', phase: 'L1', metric: 'duration', unit: 'ns' };
  return [...sampleRows(key, valuesNs), ...summaryRows(key, summarize(valuesNs))];
}
const spread = (centerNs: number, n = 200): number[] => Array.from({ length: n }, (_, i) => centerNs * (0.9 + (0.2 * i) / n));
const byId = (verdicts: ReturnType<typeof decideColdstart>, id: string) => verdicts.find((v) => v.id === id)!;

test('sub-ms: p99 under 1 ms confirms, ratio >= 100x confirms orders of magnitude', () => {
  const rows = [...cell('wasm', spread(50_000)), ...cell('container', spread(400e6)), ...cell('process', spread(1e6))];
  const verdicts = decideColdstart(rows, []);
  assert.equal(byId(verdicts, 'coldstart-sub-ms').verdict, 'confirmed');
  const orders = byId(verdicts, 'coldstart-orders-of-magnitude');
  assert.equal(orders.verdict, 'confirmed');
  assert.match(orders.reason, /8000x/);
  assert.equal(byId(verdicts, 'container-start-seconds').verdict, 'refuted');
});

test('sub-ms: a median under 1 ms with a tail over it is inconclusive', () => {
  const values = [...spread(500_000, 190), ...spread(3e6, 10)];
  assert.equal(byId(decideColdstart(cell('wasm', values), []), 'coldstart-sub-ms').verdict, 'inconclusive');
});

test('without a container engine the container claims are not-run with the reason', () => {
  const verdicts = decideColdstart([...cell('wasm', spread(50_000)), ...cell('process', spread(1e6))], [{ runner: 'container', reason: 'no socket at /var/run/docker.sock' }]);
  for (const id of ['coldstart-orders-of-magnitude', 'container-start-seconds']) {
    const verdict = byId(verdicts, id);
    assert.equal(verdict.verdict, 'not-run');
    assert.match(verdict.reason, /docker\.sock/);
  }
});

test('containers taking seconds confirm container-start-seconds', () => {
  assert.equal(byId(decideColdstart([...cell('wasm', spread(50_000)), ...cell('container', spread(2.5e9))], []), 'container-start-seconds').verdict, 'confirmed');
});
