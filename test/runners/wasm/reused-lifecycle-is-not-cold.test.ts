import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWasmRunner, parseWasmConfig, WASM_CONFIGURATIONS } from '../../../runners/wasm/index.ts';
import { matrixCells } from '../../../suites/cells.ts';

test('instance reuse is the reused lifecycle only: every configuration gives cold and pre-warmed cells fresh instances', () => {
  for (const config of WASM_CONFIGURATIONS) {
    assert.equal(parseWasmConfig(config, 'cold').reuse, false, `${config}/cold`);
    assert.equal(parseWasmConfig(config, 'prewarmed').reuse, false, `${config}/prewarmed`);
  }
  assert.equal(parseWasmConfig('pooling=on', 'reused').reuse, true);
  assert.equal(parseWasmConfig('pooling=on,inline', 'reused').reuse, true);
  assert.ok(!(WASM_CONFIGURATIONS as readonly string[]).some((config) => config.includes('instance')), 'no configuration name carries reuse into a cold cell');
});

test('reuse needs pooled memory: pooling=off has no reused lifecycle, in the matrix or when asked', () => {
  assert.throws(() => parseWasmConfig('pooling=off', 'reused'), /no reused lifecycle/);
  const cells = matrixCells([createWasmRunner()]);
  assert.ok(!cells.some((cell) => cell.config === 'pooling=off' && cell.lifecycle === 'reused'));
  assert.ok(cells.some((cell) => cell.config === 'pooling=on' && cell.lifecycle === 'reused'));
});
