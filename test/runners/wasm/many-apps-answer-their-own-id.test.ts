import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { helloVariant } from '../../../fixtures/variants.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';

test('openApps: 50 distinct apps in one cell, each request to a fresh instance of its own app, pooling on and off', async () => {
  const variants = Array.from({ length: 50 }, (_, id) => helloVariant(id));
  const request = cannedRequest(loadWorkload('hello')).request;
  for (const config of ['pooling=off', 'pooling=on', 'pooling=on,inline']) {
    const cell = await createWasmRunner().openApps({ apps: variants.map((variant, id) => ({ id: String(id), bytes: variant.bytes })), config });
    try {
      assert.equal(cell.appCount, 50);
      assert.equal(cell.config, config);
      for (const index of [0, 49, 7, 7, 23, 0]) {
        const result = await cell.invoke(index, request);
        assert.equal(Buffer.from(result.response.body).toString('utf8'), variants[index]?.expectedBody, `${config} app ${index}`);
        assert.notEqual(result.instantiateNs, null, 'a fresh instance per request');
      }
      await assert.rejects(cell.invoke(50, request), /outside 0\.\.49/);
    } finally {
      await cell.close();
    }
  }
});
