import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { WASM_CONFIGURATIONS, wasmLifecyclesOf } from '../../../runners/wasm/index.ts';
import { openCell } from './helpers.ts';

test('hello answers the manifest response in every lifecycle and configuration, request after request', async () => {
  const canned = cannedRequest(loadWorkload('hello'));
  for (const config of WASM_CONFIGURATIONS) {
    for (const lifecycle of wasmLifecyclesOf(config)) {
      const cell = await openCell('hello', { lifecycle, config, poolSize: 2 });
      try {
        for (let i = 0; i < 5; i++) {
          const result = await cell.invoke(canned.request);
          assert.equal(responseMismatch(canned.expected, result.response), null, `${config} ${lifecycle} request ${i}`);
          assert.ok(result.invokeNs > 0);
          assert.equal(result.instantiateNs === null, lifecycle !== 'cold' && lifecycle !== 'reused', `${lifecycle}: L0 is timed only where an instance is made or taken per request`);
        }
      } finally {
        await cell.close();
      }
    }
  }
});
