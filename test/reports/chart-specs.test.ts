import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { Measurement } from '../../core/results.ts';
import { capacitySpec, CHARTS, coldStartSpec, densityMemorySpec, latencySpec, isolationMatrixSpec, nearNativeSpec, throughputSpec, type VegaLiteSpec } from '../../reports/charts.ts';
import { readResultFile } from '../../reports/formats.ts';
import { buildSpecs } from '../../reports/html.ts';
import { FAMILIES } from '../../reports/html-headline.ts';
import { mergeResults } from '../../reports/merge.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const merged = mergeResults([readResultFile(path.join(FIXTURES, 'linux-x64')), readResultFile(path.join(FIXTURES, 'darwin-arm64'))]);

type Values = Record<string, unknown>[];
const valuesOf = (spec: VegaLiteSpec | null): Values => ((spec?.['data'] as { values: Values } | undefined)?.values ?? []);

function row(fields: Partial<Measurement>): Measurement {
  return { suite: 'coldstart', runner: 'wasm', config: 'default', lifecycle: 'cold', workload: 'hello', phase: 'L0', metric: 'duration', unit: 'ns', stat: 'p50', value: 1, iteration: 0, machine: 'm1', ...fields };
}

test('every chart is null without rows, so the report says so instead of drawing an empty frame', () => {
  for (const chart of [...CHARTS, ...FAMILIES]) assert.equal(chart.build({ measurements: [], outcomes: [] }), null, chart.id);
});

test('cold start: one record per cell and layer, median and its CI in ms, samples ignored; one panel per layer present', () => {
  const spec = coldStartSpec([
    row({ stat: 'p50', value: 2_000_000 }), row({ stat: 'ci95-low', value: 1_500_000 }), row({ stat: 'ci95-high', value: 2_500_000 }),
    row({ stat: 'p99', value: 9_000_000 }), row({ stat: 'count', value: 400 }), row({ stat: 'sample', value: 123 }),
    row({ phase: 'L2', stat: 'p50', value: 5_000_000, machine: 'm2' }),
    row({ suite: 'density', stat: 'p50', value: 7 }),
  ]);
  assert.deepEqual(valuesOf(spec), [
    { machine: 'm1', cell: 'wasm · cold · hello', layer: 'L0', p50Ms: 2, p99Ms: 9, ciLowMs: 1.5, ciHighMs: 2.5, samples: 400 },
    { machine: 'm2', cell: 'wasm · cold · hello', layer: 'L2', p50Ms: 5, p99Ms: null, ciLowMs: null, ciHighMs: null, samples: null },
  ]);
  // Only the layers with rows get a panel, so no panel lists a cell it has no figure for.
  const panels = spec?.['vconcat'] as { title: { text: string }; layer: { encoding: { x: { scale?: { type: string } } } }[] }[];
  assert.deepEqual(panels.map((panel) => panel.title.text), ['L0', 'L2']);
  assert.ok(panels.every((panel) => panel.layer.every((layer) => layer.encoding.x.scale?.type === 'log')));
});

test('density memory: a per-app reading below zero is not drawn, and the chart says so; the host\'s drop is not on its axis', () => {
  const memory = (metric: string, apps: number, value: number) => row({ suite: 'density', phase: 'resident', metric, unit: 'bytes', stat: 'value', value, apps });
  const spec = densityMemorySpec([memory('rss-per-app', 10, 50_000), memory('rss-per-app', 100, -2_000_000), memory('host-memory-per-app', 10, -200_000_000)]);
  assert.deepEqual(valuesOf(spec).map((value) => [value['apps'], value['value']]), [[10, 48.83]]);
  assert.match(String((spec?.['title'] as { subtitle?: string }).subtitle), /^1 reading\(s\) below 0/);
});

test('throughput: ceilings are marked as such beside the substrates; repeated runs show their median', () => {
  const values = valuesOf(throughputSpec([
    row({ suite: 'throughput', runner: 'wasm', lifecycle: 'warm', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value: 900, iteration: 0 }),
    row({ suite: 'throughput', runner: 'wasm', lifecycle: 'warm', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value: 1000, iteration: 1 }),
    row({ suite: 'throughput', runner: 'wasm', lifecycle: 'warm', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value: 5000, iteration: 2 }),
    row({ suite: 'throughput', runner: 'front-noop', lifecycle: '-', phase: 'closed-loop', metric: 'requests-per-second', unit: 'req/s', stat: 'value', value: 5000 }),
  ]));
  assert.deepEqual(values.map((value) => [value['cell'], value['kind'], value['value']]), [['wasm · warm · hello', 'substrate', 1000], ['ceiling: front-noop', 'ceiling', 5000]]);
});

test('near-native: the ratio with its CI per workload and engine, and a rule at 1', () => {
  const key = { suite: 'portability', runner: 'wasm', lifecycle: '-', workload: 'cpu', phase: 'near-native', metric: 'wasm-native-ratio', unit: 'ratio' } as const;
  const spec = nearNativeSpec([row({ ...key, stat: 'value', value: 1.25 }), row({ ...key, stat: 'ci95-low', value: 1.2 }), row({ ...key, stat: 'ci95-high', value: 1.3 })]);
  assert.deepEqual(valuesOf(spec), [{ machine: 'm1', workload: 'cpu on wasm', ratio: 1.25, ciLow: 1.2, ciHigh: 1.3 }]);
  assert.match(JSON.stringify(spec?.['layer']), /"datum":1/);
});

test('density capacity: the most apps each cell held, per measure', () => {
  const capacity = (metric: string, apps: number, runner = 'wasm') => row({ suite: 'density', runner, phase: 'capacity', metric, unit: 'apps', stat: 'value', value: apps, apps });
  const values = valuesOf(capacitySpec([capacity('apps-resident', 10), capacity('apps-resident', 1000), capacity('apps-resident', 100), capacity('stopped-by-budget', 30, 'container')]));
  assert.deepEqual(values.map((value) => [value['cell'], value['measure'], value['apps']]), [
    ['wasm · cold · hello', 'most apps resident and serving', 1000],
    ['container · cold · hello', "stopped by the host's available memory at", 30],
  ]);
});

test('a 0 cannot sit on a log axis: it is left out and the chart says how many were', () => {
  const latency = (stat: Measurement['stat'], value: number) => row({ suite: 'throughput', lifecycle: 'warm', phase: 'closed-loop', metric: 'latency', stat, value });
  const spec = latencySpec([latency('p50', 0), latency('p99', 4_000_000)]);
  assert.deepEqual(valuesOf(spec).map((value) => [value['stat'], value['ms']]), [['p99', 4]]);
  assert.match(String((spec?.['title'] as { subtitle?: string }).subtitle), /^1 value\(s\) of 0/);
});

test('isolation matrix: outcomes keep their fixed colours whatever order they come in', () => {
  const outcome = { suite: 'isolation', runner: 'process', config: 'default', lifecycle: 'cold', workload: 'p', subject: 'read-host-file', condition: 'grant=none', detail: '', machine: 'm1' } as const;
  const spec = isolationMatrixSpec([{ ...outcome, outcome: 'escaped' }, { ...outcome, runner: 'wasm', outcome: 'contained' }, { ...outcome, runner: 'x', outcome: 'weird' }]);
  const scale = (spec?.['spec'] as { encoding: { color: { scale: { domain: string[]; range: string[] } } } }).encoding.color.scale;
  assert.deepEqual(scale.domain, ['contained', 'escaped', 'weird']);
  assert.deepEqual(scale.range, ['#2e7d32', '#c62828', '#ff8f00']);
});

test('every chart of the fixtures (headline, suites, ablation) compiles with vega-lite without a warning and draws marks in headless vega', async () => {
  const specs = buildSpecs(merged);
  assert.deepEqual([...specs.keys()].filter((id) => id.startsWith('headline-')), FAMILIES.map((family) => `headline-${family.id}`));
  for (const chart of CHARTS) assert.ok(specs.has(chart.id), `${chart.id} has rows in the fixtures`);
  for (const [id, spec] of specs) {
    const warnings: string[] = [];
    const logger = vega.logger(vega.Warn);
    logger.warn = (...args: readonly unknown[]) => { warnings.push(args.join(' ')); return logger; };
    const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, { logger });
    assert.deepEqual(warnings, [], id);
    const view = new vega.View(vega.parse(compiled.spec), { renderer: 'none' });
    await view.runAsync();
    const svg = await view.toSVG();
    view.finalize();
    assert.match(svg, /class="mark-(symbol|rect|rule|line|tick) role-mark[^"]*"[^>]*><(path|line|rect)\b/, `${id} drew no data marks`);
  }
});
