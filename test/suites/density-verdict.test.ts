import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueRow, type Measurement } from '../../core/results.ts';
import { decideDensity } from '../../suites/density/verdict.ts';

function step(runner: string, apps: number, perAppBytes: number, p99Ns: number): Measurement[] {
  const key = (phase: string, metric: string, unit: string) => ({ suite: 'density' as const, runner, config: 'default', lifecycle: 'cold', workload: 'hello', phase, metric, unit, apps });
  return [
    valueRow(key('capacity', 'apps-resident', 'apps'), apps),
    valueRow(key('resident', 'rss-per-app', 'bytes'), perAppBytes),
    { ...valueRow(key('serve', 'latency', 'ns'), p99Ns), stat: 'p99' },
  ];
}

test('2000 Wasm apps within budget and SLO confirm density-thousands', () => {
  const [thousands] = decideDensity([...step('wasm', 100, 60_000, 1e5), ...step('wasm', 2000, 50_000, 2e5)], []);
  assert.equal(thousands!.verdict, 'confirmed');
  assert.match(thousands!.reason, /2000 apps/);
});

test('a broken SLO at 2000 apps refutes', () => {
  const [thousands] = decideDensity([...step('wasm', 1000, 50_000, 1e6), ...step('wasm', 2000, 50_000, 90e6)], []);
  assert.equal(thousands!.verdict, 'refuted');
});

test('containers: capacity under the budget decides the 30-per-host claim', () => {
  const [, many] = decideDensity(step('container', 32, 8 * 1024 ** 2, 5e6), []);
  assert.equal(many!.verdict, 'refuted');
  const [, few] = decideDensity(step('container', 32, 100 * 1024 ** 2, 5e6), []);
  assert.equal(few!.verdict, 'confirmed');
  const [, none] = decideDensity([], [{ runner: 'container', reason: 'engine down' }]);
  assert.equal(none!.verdict, 'not-run');
  assert.match(none!.reason, /engine down/);
});

test('containers: resident memory and the host memory drop disagreeing on the claim is inconclusive', () => {
  const rows = step('container', 32, 13 * 1024 ** 2, 5e6);
  rows.push(valueRow({ suite: 'density', runner: 'container', config: 'default', lifecycle: 'warm', workload: 'hello', phase: 'resident', metric: 'host-memory-per-app', unit: 'bytes', apps: 32 }, 90 * 1024 ** 2));
  const [, split] = decideDensity(rows, []);
  assert.equal(split!.verdict, 'inconclusive');
  assert.match(split!.reason, /available memory/);
});
