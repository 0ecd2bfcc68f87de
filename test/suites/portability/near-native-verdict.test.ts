import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Measurement } from '../../../core/results.ts';
import { decideNearNative } from '../../../suites/portability/verdict.ts';

function ratio(runner: string, workload: string, value: number, low: number, high: number): Measurement[] {
  const key = { suite: 'portability', runner, config: 'default', lifecycle: 'warm', workload, phase: 'near-native', metric: 'wasm-native-ratio', unit: 'ratio', iteration: 0 } as const;
  return [{ ...key, stat: 'value', value }, { ...key, stat: 'ci95-low', value: low }, { ...key, stat: 'ci95-high', value: high }];
}

test('the reference engine within 1.5x at the CI upper bound on every workload confirms, and cites the source', () => {
  const verdict = decideNearNative([...ratio('wasm', 'cpu', 1.2, 1.1, 1.3), ...ratio('wasm', 'mem', 0.5, 0.4, 0.6), ...ratio('wasm-wazero', 'cpu', 9, 8, 10)], []);
  assert.equal(verdict.verdict, 'confirmed', verdict.reason);
  assert.match(verdict.threshold, /Not So Fast.*USENIX ATC 2019/);
  assert.match(verdict.reason, /wasm-wazero cpu 9\.00x/);
  assert.match(verdict.reason, /Faster than native for mem/);
});

test('a CI lower bound over 1.5x refutes', () => {
  assert.equal(decideNearNative(ratio('wasm', 'cpu', 2, 1.8, 2.2), []).verdict, 'refuted');
});

test('an interval straddling 1.5x is inconclusive', () => {
  assert.equal(decideNearNative(ratio('wasm', 'cpu', 1.4, 1.1, 2.7), []).verdict, 'inconclusive');
});

test('no ratio of the reference engine is not-run', () => {
  assert.equal(decideNearNative(ratio('wasm-wasmtime', 'cpu', 1.2, 1.1, 1.3), []).verdict, 'not-run');
});
