import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { deadlineWatch } from '../../../runners/wasm/deadline-watch.ts';
import { Engine, MemoryPools, type EngineApp } from '../../../runners/wasm/engine.ts';
import { loadModule } from '../../../runners/wasm/load.ts';
import { encodeStringList } from '../../../runners/wasm/wasi-host.ts';

test('a pooled memory that grew or whose instance trapped is never handed out again; a clean one comes back zeroed', () => {
  const pools = new MemoryPools();
  const descriptor = { initial: 1, maximum: 4 };
  const clean = pools.acquire(descriptor);
  new Uint8Array(clean.buffer).fill(7);
  pools.release(descriptor, clean, false);
  const again = pools.acquire(descriptor);
  assert.equal(again, clean, 'a clean memory is reused');
  assert.ok(new Uint8Array(again.buffer).every((byte) => byte === 0), 'and zeroed');

  again.grow(1);
  pools.release(descriptor, again, false);
  assert.equal(pools.stats().idleMemories, 0, 'a grown memory is dropped');
  assert.notEqual(pools.acquire(descriptor), again);

  const trapped = pools.acquire(descriptor);
  pools.release(descriptor, trapped, true);
  assert.equal(pools.stats().idleMemories, 0, 'a trapped instance memory is dropped');
});

test('inline: an instance stopped at its deadline gives its memory to no one; a clean run returns it to the pool', () => {
  const engine = new Engine({ grants: [], outputCapBytes: 1 << 20, pooling: true, watch: deadlineWatch() });
  try {
    const app = (name: string): EngineApp => {
      const loaded = loadModule(loadWorkload(name).wasmPath, 256, { importMemory: true, interruptible: true });
      assert.ok(loaded.interruptible);
      return { module: loaded.module, memory: loaded.memory, interruptible: true };
    };
    const request = cannedRequest(loadWorkload('hello')).request;
    const args = encodeStringList(['probe']);
    const env = encodeStringList(['REQUEST_METHOD=GET', `PATH_INFO=${request.path}`, 'QUERY_STRING=']);
    const looping = app('infinite-loop');
    const stopped = engine.run(looping, args, env, new Uint8Array(0), undefined, 100);
    assert.equal(stopped.deadlineExceeded, true);
    assert.equal(engine.pools?.stats().idleMemories, 0, 'the stopped instance memory was dropped');
    const hello = app('hello');
    const ok = engine.run(hello, args, env, new Uint8Array(0), undefined, 10_000);
    assert.equal(ok.trap, null);
    assert.equal(engine.pools?.stats().idleMemories, 1, 'a clean run returns its memory');
  } finally {
    engine.close();
  }
});
