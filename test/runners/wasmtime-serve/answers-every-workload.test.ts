import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkloads } from '../../../fixtures/manifest.ts';
import { createWasmtimeServeRunner } from '../../../runners/wasmtime-serve/index.ts';
import { checkServer } from '../../../suites/servers.ts';

const runner = createWasmtimeServeRunner();
const availability = await runner.availability();
const skip = availability.status === 'unavailable' ? availability.reason : false;
const workloads = loadWorkloads().filter((w) => w.kind === 'workload');

test('every benchmark workload has a committed wasi:http component', () => {
  for (const workload of workloads) assert.ok(workload.component, `${workload.name} has no component in fixtures/manifest.json`);
});

test('wasmtime serve answers every canned request of every workload as the manifest expects, pooling on and off', { skip }, async () => {
  for (const config of runner.configurations) {
    for (const workload of workloads) {
      const server = await runner.startServer({ workload, config });
      try {
        assert.equal(server.lifecycle, 'cold');
        assert.ok(server.startNs > 0);
        assert.equal(await checkServer(server, workload), null, `${workload.name} [${config}]`);
      } finally {
        await server.close();
      }
    }
  }
});
