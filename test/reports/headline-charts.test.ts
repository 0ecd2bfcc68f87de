import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Measurement, Outcome } from '../../core/results.ts';
import type { VegaLiteSpec } from '../../reports/charts.ts';
import { readResultFile } from '../../reports/formats.ts';
import { appsPerGib, coldStartHeadlineSpec, isolationHeadlineSpec, portabilityHeadlineSpec, throughputHeadlineSpec } from '../../reports/headline-charts.ts';
import { buildSpecs } from '../../reports/html.ts';
import { mergeResults } from '../../reports/merge.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const linux = mergeResults([readResultFile(path.join(FIXTURES, 'linux-x64'))]);

type Values = Record<string, unknown>[];
const valuesOf = (spec: VegaLiteSpec | null | undefined): Values => ((spec?.['data'] as { values: Values } | undefined)?.values ?? []);

function row(fields: Partial<Measurement>): Measurement {
  return { suite: 'density', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', phase: 'resident', metric: 'rss-total', unit: 'bytes', stat: 'value', value: 1, iteration: 0, machine: 'm1', ...fields };
}

test('headline cold start: one dot per substrate from its representative cold cell; variants, calibrations and other lifecycles stay out', () => {
  const values = valuesOf(coldStartHeadlineSpec(linux.measurements));
  assert.deepEqual(values.map((value) => [value['substrate'], value['config']]), [
    ['wasm', 'pooling=on'], ['wasm-wasmtime', 'pooling=on'], ['wasm-wazero', 'compiler'], ['process', 'default'], ['container', 'profile=default'],
  ]);
  // The fixture's wazero cell has 60 samples and its container cell 40: no p99 is drawn from fewer than 100.
  const p99 = Object.fromEntries(values.map((value) => [value['substrate'], value['p99']]));
  assert.equal(p99['wasm-wazero'], null);
  assert.equal(p99['container'], null);
  assert.equal(p99['wasm'], 0.36);
  assert.deepEqual(values.map((value) => value['n']), [1000, 400, 60, 400, 40]);
});

test('the variants the headline leaves out are in the ablation charts, beside their representative', () => {
  const specs = buildSpecs(linux);
  const ablation = valuesOf(specs.get('ablation-coldstart-layers')).map((value) => value['cell'] as string);
  for (const variant of ['wasm · pooling=on · reused · hello', 'wasm · pooling=off · cold · hello', 'container · profile=hardened · cold · hello']) assert.ok(ablation.includes(variant), variant);
  assert.ok(ablation.includes('wasm · pooling=on · cold · hello'), 'the representative is beside its variants');
  const suite = valuesOf(specs.get('coldstart-layers')).map((value) => value['cell'] as string);
  assert.ok(!suite.some((cell) => cell.includes('pooling=off') || cell.includes('reused') || cell.includes('hardened')), suite.join(', '));
});

test('apps per GiB come from the slope of resident memory and are never negative: a falling ramp (noise) gives no figure, the host drop is ignored', () => {
  const ramp = (runner: string, perApp: number, host: number) => [10, 100, 1000].flatMap((apps) => [
    row({ runner, apps, value: 5e6 + apps * perApp }),
    row({ runner, apps, metric: 'host-memory-per-app', value: host }),
  ]);
  const figures = appsPerGib([...ramp('wasm', 64 * 1024, -1e9), ...ramp('process', -1000, 5e6)]);
  assert.deepEqual(figures.map((figure) => figure.runner), ['wasm']);
  const wasm = figures[0]!;
  assert.equal(Math.round(wasm.appsPerGib), 16384);
  assert.ok(wasm.low !== null && wasm.high !== null && wasm.low > 0 && wasm.low <= wasm.appsPerGib && wasm.appsPerGib <= wasm.high);
});

test('headline throughput: the cold cells through the front, with the harness ceilings and the claimed 100k as lines', () => {
  const spec = throughputHeadlineSpec(linux.measurements);
  assert.deepEqual(valuesOf(spec).map((value) => [value['substrate'], value['value'], value['low'], value['high'], value['rounds']]), [
    ['wasm', 9000, 8640, 9270, 3], ['wasm-wasmtime', 4000, 3840, 4120, 3], ['process', 900, 864, 927, 3], ['container', 3, 2.88, 3.09, 3],
  ]);
  const lines = (spec?.['layer'] as { data?: { values: Values } }[]).find((layer) => layer.data)?.data?.values ?? [];
  assert.deepEqual(lines.map((line) => [line['line'], line['rps']]), [["front's no-op ceiling", 26000], ['load generator alone', 60000], ['claimed 100k', 100000]]);
});

test('headline isolation: one cell per probe and substrate, the worst outcome over its grants, fresh lifecycles only', () => {
  const outcome = (fields: Partial<Outcome>): Outcome => ({ suite: 'isolation', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'p', subject: 'read-host-file', condition: 'grant=none', outcome: 'contained', detail: '', machine: 'm1', ...fields });
  const values = valuesOf(isolationHeadlineSpec([
    outcome({}), outcome({ condition: 'grant=dir', outcome: 'escaped', detail: 'read it' }),
    outcome({ subject: 'state-reset', lifecycle: 'warm', outcome: 'escaped' }), outcome({ subject: 'state-reset', lifecycle: 'prewarmed' }),
    outcome({ subject: 'state-reset', lifecycle: 'reused', outcome: 'escaped' }), outcome({ runner: 'container', config: 'profile=hardened', outcome: 'escaped' }),
  ]));
  assert.deepEqual(values.map((value) => [value['probe'], value['substrate'], value['outcome'], value['cases']]), [['read-host-file', 'wasm', 'escaped', 2], ['state-reset', 'wasm', 'contained', 1]]);
  assert.match(String(values[0]?.['detail']), /^grant=dir \[cold\]: read it/);
});

test('headline sizes: the .wasm beside the smallest static native build, the dynamic one alone and the container image, of hello', () => {
  const values = valuesOf(portabilityHeadlineSpec(linux.measurements));
  assert.deepEqual(values.map((value) => [value['substrate'], value['value']]), [['.wasm', 24.41], ['native-musl-static', 29.3], ['native-glibc-dynamic', 15.63], ['container-image', 29.79]]);
});
