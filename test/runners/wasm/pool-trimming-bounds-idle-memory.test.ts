import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { MemoryPools, POOL_MAX_IDLE } from '../../../runners/wasm/engine.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';

test('pools keep at most POOL_MAX_IDLE memories per size, and trimming lets an unused pool go', () => {
  const pools = new MemoryPools();
  const descriptor = { initial: 1, maximum: 2 };
  const burst = Array.from({ length: POOL_MAX_IDLE + 5 }, () => pools.acquire(descriptor));
  for (const memory of burst) pools.release(descriptor, memory, false);
  assert.equal(pools.stats().idleMemories, POOL_MAX_IDLE);
  pools.trim();
  assert.equal(pools.stats().idleMemories, POOL_MAX_IDLE, 'the first trim keeps what the last burst needed');
  pools.trim();
  assert.deepEqual(pools.stats(), { sizes: 0, idleMemories: 0, idleBytes: 0 }, 'a trim after an idle period drops the pool');
  pools.release(descriptor, pools.acquire(descriptor), false);
  pools.trim();
  assert.equal(pools.stats().idleMemories, 1, 'one request at a time keeps one memory');
});

test('the idle cost of a pooled cold cell counts its pooled memories', async () => {
  const workload = loadWorkload('hello');
  const cell = await createWasmRunner().open({ workload, lifecycle: 'cold', config: 'pooling=on,inline' });
  try {
    await cell.invoke(cannedRequest(workload).request);
    const cost = await cell.idleCost?.();
    assert.ok(cost, 'an inline cell reports its idle cost');
    assert.ok(cost.rssBytes >= 2 * 65536, `at least the one pooled memory of hello's 2 pages, got ${cost.rssBytes}`);
    assert.match(cost.method, /1 pooled zeroed memorie/);
  } finally {
    await cell.close();
  }
});
