import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { createWazeroRunRunner } from '../../../runners/wazero/index.ts';
import { GET_ROOT, loopWorkload, skipUnlessAvailable } from '../engine-fixtures.ts';

const runner = createWazeroRunRunner();
const skip = await skipUnlessAvailable(runner);

test('wasm-wazero-run answers the canned requests of hello, echo and cpu, a process per request', { skip }, async () => {
  for (const name of ['hello', 'echo', 'cpu']) {
    const workload = loadWorkload(name);
    const cell = await runner.open({ workload, lifecycle: 'cold' });
    for (const canned of workload.requests) {
      const result = await cell.invoke(canned.request);
      assert.equal(responseMismatch(canned.expected, result.response), null, `${name}/${canned.name}`);
      assert.equal(result.instantiateNs, null);
    }
    await cell.close();
  }
});

test('wasm-wazero-run stops an infinite loop with its -timeout', { skip }, async () => {
  const cell = await runner.open({ workload: loopWorkload(), lifecycle: 'cold', deadlineMs: 300 });
  await assert.rejects(cell.invoke(GET_ROOT), (error: unknown) => error instanceof BenchError && error.kind === 'guest');
});
