import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryRows, valueRow, type Measurement } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { decideDensity, DENSITY_BUDGET_BYTES } from '../../suites/density/verdict.ts';

/** One ramp step as the density suite writes it: N apps, their resident memory, and 1000 latencies around `latencyNs`. */
function step(runner: string, config: string, apps: number, totalBytes: number, latencyNs: number, options: { lifecycle?: string; hostBytesPerApp?: number; requests?: number } = {}): Measurement[] {
  const key = (phase: string, metric: string, unit: string) => ({ suite: 'density' as const, runner, config, lifecycle: options.lifecycle ?? 'cold', workload: 'hello', phase, metric, unit, apps });
  const latencies = Array.from({ length: options.requests ?? 1000 }, (_, i) => latencyNs * (0.5 + i / (options.requests ?? 1000)));
  return [
    valueRow(key('capacity', 'apps-resident', 'apps'), apps),
    valueRow(key('resident', 'rss-total', 'bytes'), totalBytes),
    valueRow(key('resident', 'rss-per-app', 'bytes'), totalBytes / apps),
    ...(options.hostBytesPerApp !== undefined ? [valueRow(key('resident', 'host-memory-per-app', 'bytes'), options.hostBytesPerApp)] : []),
    ...summaryRows(key('serve', 'latency', 'ns'), summarize(latencies)),
  ];
}
/** A Wasm ramp at `perApp` bytes per app over a 20 MB base, p99 about `latencyNs` x 1.5. */
const ramp = (runner: string, config: string, perApp: number, latencyNs: number, counts = [10, 100, 1000, 2000]): Measurement[] => counts.flatMap((n, i) => step(runner, config, n, 20e6 + perApp * n + (i % 2 ? 1e5 : -1e5), latencyNs));

test('2000 apps serving within the SLO and the budget at the slope confirm, judged on the representative', () => {
  const [thousands] = decideDensity(ramp('wasm', 'pooling=on', 160_000, 1e5), []);
  assert.equal(thousands!.verdict, 'confirmed', thousands!.reason);
  assert.equal(thousands!.judged, 'wasm[pooling=on]/cold');
  assert.match(thousands!.reason, /memory per app \(slope over 4 steps\) 156\.\d KiB/);
});

test('memory per app is the slope over the steps, not one step: a large fixed base does not count per app', () => {
  const rows = [10, 100, 1000, 2000].flatMap((n) => step('wasm', 'pooling=on', n, 3.9e9 + 100_000 * n, 1e5));
  // 3.9 GB base + 200 MB for 2000 apps: 1950 KiB per app by one step's quotient (over the budget), 100 kB by the slope (under it).
  const [thousands] = decideDensity(rows, []);
  assert.equal(thousands!.verdict, 'confirmed', thousands!.reason);
});

test('a broken SLO refutes; a variant configuration never decides', () => {
  const [slow] = decideDensity(ramp('wasm', 'pooling=on', 100_000, 90e6), []);
  assert.equal(slow!.verdict, 'refuted');
  const [variant] = decideDensity([...ramp('wasm', 'pooling=on', 100_000, 90e6), ...ramp('wasm', 'pooling=on,inline', 50_000, 1e5)], []);
  assert.equal(variant!.verdict, 'refuted', 'the faster inline ramp is a variant');
});

test('a failed ramp is not-run with its reason, never a verdict', () => {
  const [thousands] = decideDensity([], [], [{ runner: 'wasm', config: 'pooling=on', detail: 'out of memory at 1000 apps' }]);
  assert.equal(thousands!.verdict, 'not-run');
  assert.match(thousands!.reason, /out of memory/);
});

test('no step of 2000 apps is inconclusive unless the SLO broke before', () => {
  const [short] = decideDensity(ramp('wasm', 'pooling=on', 100_000, 1e5, [10, 100, 1000]), []);
  assert.equal(short!.verdict, 'inconclusive');
});

test('containers: a capacity interval inside 10-100 agrees with "30-ish", outside refutes, across an end is inconclusive', () => {
  const containers = (perContainer: number, noise = 0): Measurement[] => [1, 8, 16, 32].flatMap((n, i) => step('container', 'profile=default', n, perContainer * n + (i % 2 ? noise : -noise), 5e6, { lifecycle: 'warm' }));
  const [, many] = decideDensity(containers(8 * 1024 ** 2), []);
  assert.equal(many!.verdict, 'refuted', 'about 512 containers fit');
  const [, thirty] = decideDensity(containers(DENSITY_BUDGET_BYTES / 30), []);
  assert.equal(thirty!.verdict, 'confirmed');
  const [, edge] = decideDensity(containers(DENSITY_BUDGET_BYTES / 100, 300 * 1024 ** 2), []);
  assert.equal(edge!.verdict, 'inconclusive', edge!.reason);
  const [, none] = decideDensity([], [{ runner: 'container', reason: 'engine down' }]);
  assert.equal(none!.verdict, 'not-run');
  assert.match(none!.reason, /engine down/);
});

test('the claim is decided at the first step of 2000 apps or more: a larger step past the budget is capacity, never held against it', () => {
  const rows = [10, 100, 2000, 40_000].flatMap((n) => step('wasm', 'pooling=on', n, 20e6 + 170_000 * n, 1e5));
  const [thousands] = decideDensity(rows, []);
  assert.equal(thousands!.verdict, 'confirmed', thousands!.reason);
  assert.match(thousands!.margin!.figure, /over 2,000 apps/);
});
