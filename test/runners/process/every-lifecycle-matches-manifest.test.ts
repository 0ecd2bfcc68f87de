import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { nativeToolchain } from '../../../fixtures/native.ts';
import { createProcessRunner } from '../../../runners/process/runner.ts';
import { BASIC_LIFECYCLES } from '../../../runners/types.ts';

const toolchain = await nativeToolchain('glibc-static');

test('the process runner answers every canned request of hello and echo as the manifest expects, in every lifecycle', { skip: toolchain.available ? false : toolchain.reason }, async () => {
  const runner = createProcessRunner({ flavour: 'native' });
  assert.equal((await runner.availability()).status, 'available');
  for (const name of ['hello', 'echo']) {
    const workload = loadWorkload(name);
    const preparation = await runner.prepare(workload, 'default');
    assert.ok(preparation.artifactBytes > 0);
    for (const lifecycle of BASIC_LIFECYCLES) {
      const cell = await runner.open({ workload, lifecycle, poolSize: 2 });
      try {
        for (const canned of workload.requests) {
          const result = await cell.invoke(canned.request);
          assert.equal(responseMismatch(canned.expected, result.response), null, `${name} ${lifecycle} ${canned.name}`);
          assert.ok(result.invokeNs > 0);
          if (lifecycle === 'cold') assert.ok(result.instantiateNs !== null && result.instantiateNs > 0 && result.instantiateNs <= result.invokeNs);
          else assert.equal(result.instantiateNs, null);
          assert.equal(result.exitCode, lifecycle === 'warm' ? null : 0);
        }
      } finally {
        await cell.close();
      }
    }
  }
});
