import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processAlive } from '../../../core/proc.ts';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { nativeToolchain } from '../../../fixtures/native.ts';
import { createProcessRunner, type ProcessCell } from '../../../runners/process/runner.ts';

const toolchain = await nativeToolchain('glibc-static');

test('a pre-warmed pool uses each process once, refills after use, reports its idle cost, and leaves nothing on close', { skip: toolchain.available ? false : toolchain.reason }, async () => {
  const hello = loadWorkload('hello');
  const canned = cannedRequest(hello);
  const cell = (await createProcessRunner().open({ workload: hello, lifecycle: 'prewarmed', poolSize: 2 })) as ProcessCell;
  const seen = new Set<number>();
  try {
    assert.deepEqual({ ...cell.poolStats?.(), waiting: undefined }, { size: 2, waiting: undefined, preparing: 0, prepared: 2, served: 0, misses: 0, lost: 0, refillPolicy: 'replace-after-use' });
    for (let i = 0; i < 3; i++) {
      // Wait for the refill, so that the request is served by a slot that was waiting.
      while (cell.poolStats?.().waiting !== 2) await new Promise((resolve) => setTimeout(resolve, 10));
      const before = cell.pids();
      const result = await cell.invoke(canned.request);
      assert.equal(responseMismatch(canned.expected, result.response), null);
      const used = before.filter((pid) => !cell.pids().includes(pid));
      assert.equal(used.length, 1, 'exactly one waiting process served the request');
      const [pid] = used as [number];
      assert.ok(!seen.has(pid));
      seen.add(pid);
      assert.equal(processAlive(pid), false, 'the used process exited');
    }
    const cost = await cell.idleCost?.();
    assert.ok(cost);
    assert.equal(cost.slots, 2);
    assert.ok(cost.rssBytes > 0);
    assert.ok(cost.cpuCores >= 0);
    assert.match(cost.method, /VmRSS|ps/);
    const stats = cell.poolStats?.();
    assert.equal(stats?.served, 3);
    assert.equal(stats?.prepared, 5);
    assert.equal(stats?.waiting, 2);
  } finally {
    const pids = cell.pids();
    await cell.close();
    assert.deepEqual(pids.filter(processAlive), []);
  }
});
