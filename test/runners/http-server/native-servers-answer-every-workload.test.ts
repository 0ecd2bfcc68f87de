import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processAlive } from '../../../core/proc.ts';
import { loadWorkload, loadWorkloads } from '../../../fixtures/manifest.ts';
import { nativeToolchain } from '../../../fixtures/native.ts';
import { trackedContainerIds } from '../../../runners/container/cleanup.ts';
import { createContainerServerRunner, createProcessServerRunner } from '../../../runners/http-server/native-server.ts';
import { liveServerPids } from '../../../runners/http-server/server-process.ts';
import { checkServer } from '../../../suites/servers.ts';

const toolchain = await nativeToolchain('glibc-static');
const containerAvailability = await createContainerServerRunner().availability();

test('the native server answers every canned request of every workload over HTTP, and leaves no process', { skip: toolchain.available ? false : toolchain.reason }, async () => {
  const runner = createProcessServerRunner();
  for (const workload of loadWorkloads().filter((w) => w.kind === 'workload')) {
    const server = await runner.startServer({ workload });
    const [pid] = server.pids();
    try {
      assert.equal(server.lifecycle, 'warm');
      assert.equal(await checkServer(server, workload), null, workload.name);
      assert.ok((await server.resident()).bytes > 0);
    } finally {
      await server.close();
    }
    assert.equal(processAlive(pid!), false);
  }
  assert.deepEqual(liveServerPids(), []);
});

test('the native server in a FROM scratch container answers hello and echo, and the container is removed on close', { skip: containerAvailability.status === 'unavailable' ? containerAvailability.reason : false }, async () => {
  const runner = createContainerServerRunner();
  for (const name of ['hello', 'echo']) {
    const workload = loadWorkload(name);
    const server = await runner.startServer({ workload });
    try {
      assert.equal(await checkServer(server, workload), null, name);
      assert.equal(trackedContainerIds().length, 1);
    } finally {
      await server.close();
    }
    assert.deepEqual(trackedContainerIds(), []);
  }
});
