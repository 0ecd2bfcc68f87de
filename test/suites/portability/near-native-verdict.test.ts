import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from '../../../core/results.ts';
import { decideNearNative } from '../../../suites/portability/verdict.ts';

function ratio(runner: string, config: string, workload: string, value: number, low: number, high: number): Measurement[] {
  const key = { suite: 'portability', runner, config, lifecycle: 'warm', workload, phase: 'near-native', metric: 'wasm-native-ratio', unit: 'ratio', iteration: 0 } as const;
  return [{ ...key, stat: 'value', value }, { ...key, stat: 'ci95-low', value: low }, { ...key, stat: 'ci95-high', value: high }, { ...key, stat: 'count', value: 200 }];
}

test('the representative within 1.5x on every workload confirms, cites the source, and judges the other engines beside it', () => {
  const verdict = decideNearNative([...ratio('wasm', 'pooling=on', 'cpu', 1.2, 1.1, 1.3), ...ratio('wasm', 'pooling=on', 'mem', 0.5, 0.4, 0.6), ...ratio('wasm-wazero', 'compiler', 'cpu', 9, 8, 10)], []);
  assert.equal(verdict.verdict, 'confirmed', verdict.reason);
  assert.equal(verdict.judged, 'wasm[pooling=on]/warm');
  assert.equal(verdict.margin?.figure, 'cpu Wasm/native time', 'the worst workload decides');
  assert.match(verdict.threshold, /Not So Fast.*USENIX ATC 2019/);
  assert.equal(verdict.engines?.find((engine) => engine.runner === 'wasm-wazero')?.verdict, 'refuted');
  assert.match(verdict.reason, /Faster than native for mem/);
});

test('a CI lower bound over 1.5x refutes; an interval straddling 1.5x is inconclusive', () => {
  assert.equal(decideNearNative(ratio('wasm', 'pooling=on', 'cpu', 2, 1.8, 2.2), []).verdict, 'refuted');
  assert.equal(decideNearNative(ratio('wasm', 'pooling=on', 'cpu', 1.4, 1.1, 2.7), []).verdict, 'inconclusive');
});

test('a variant configuration never decides; no ratio of the reference representative is not-run', () => {
  assert.equal(decideNearNative(ratio('wasm', 'pooling=on,inline', 'cpu', 1.2, 1.1, 1.3), []).verdict, 'not-run');
  assert.equal(decideNearNative(ratio('wasm-wasmtime', 'pooling=on', 'cpu', 1.2, 1.1, 1.3), []).verdict, 'not-run');
});
