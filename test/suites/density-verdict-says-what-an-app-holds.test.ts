import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryRows, valueRow, type Measurement } from '../../core/results.ts';
import { summarize } from '../../core/stats.ts';
import { decideDensity } from '../../suites/density/verdict.ts';

/** A ramp step with the composition rows: `loaded` bytes per app before serving, `added` by serving, 40 kB of module bytes. */
function step(apps: number, loaded: number, added: number): Measurement[] {
  const key = (phase: string, metric: string, unit: string) => ({ suite: 'density' as const, runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', phase, metric, unit, apps });
  const base = 30e6;
  return [
    valueRow(key('capacity', 'apps-resident', 'apps'), apps),
    valueRow(key('resident', 'rss-total', 'bytes'), base + (loaded + added) * apps),
    valueRow(key('resident', 'rss-per-app-loaded', 'bytes'), (base + loaded * apps) / apps),
    valueRow(key('resident', 'rss-per-app-added-by-serving', 'bytes'), added),
    valueRow(key('resident', 'module-bytes-per-app', 'bytes'), 40_960),
    ...summaryRows(key('serve', 'latency', 'ns'), summarize(Array.from({ length: 1000 }, (_, i) => 1e5 + i))),
  ];
}

test('the density verdict says what an app holds (loaded module, code compiled by serving) and where the ramp stopped', () => {
  const rows = [100, 1000, 10_000].flatMap((n) => step(n, 70 * 1024, 100 * 1024));
  rows.push(valueRow({ suite: 'density', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', phase: 'capacity', metric: 'stopped-by-budget', unit: 'apps', apps: 100_000 }, 100_000));
  const [thousands] = decideDensity(rows, []);
  assert.match(thousands!.reason, /70\.0 KiB once loaded \(its 40\.0 KiB of module bytes/);
  assert.match(thousands!.reason, /100\.0 KiB added by serving/);
  assert.match(thousands!.reason, /stopped before 100,000 apps by this host's available memory/);
});

test("a ramp stopped before an engine's code cap says so", () => {
  const rows = [100, 1000, 10_000].flatMap((n) => step(n, 70 * 1024, 80 * 1024));
  rows.push(valueRow({ suite: 'density', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', phase: 'capacity', metric: 'stopped-by-code-cap', unit: 'apps', apps: 100_000 }, 100_000));
  const [thousands] = decideDensity(rows, []);
  assert.match(thousands!.reason, /stopped before 100,000 apps by the engine's cap on compiled code per process/);
});

test('a step the engine stopped at its code cap says after how many served apps', () => {
  const rows = [100, 1000, 10_000].flatMap((n) => step(n, 70 * 1024, 100 * 1024));
  const key = { suite: 'density' as const, runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', phase: 'capacity', unit: 'apps', apps: 100_000 };
  rows.push(valueRow({ ...key, metric: 'stopped-by-code-cap' }, 100_000), valueRow({ ...key, metric: 'served-before-code-cap' }, 52_000));
  const [thousands] = decideDensity(rows, []);
  assert.match(thousands!.reason, /at 100,000 apps the engine stopped its process at its cap on compiled code per process after about 52,000 apps had served/);
});
