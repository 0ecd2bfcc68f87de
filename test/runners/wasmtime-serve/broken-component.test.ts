import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { liveServerPids } from '../../../runners/http-server/server-process.ts';
import { createWasmtimeServeRunner } from '../../../runners/wasmtime-serve/index.ts';

const runner = createWasmtimeServeRunner();
const availability = await runner.availability();
const skip = availability.status === 'unavailable' ? availability.reason : false;

test('a broken component is a clear one-line error naming wasmtime serve, and leaves no process', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-broken-'));
  try {
    const hello = loadWorkload('hello');
    const brokenPath = path.join(dir, 'broken.wasm');
    // A valid header followed by garbage: what a truncated or corrupted upload looks like.
    fs.writeFileSync(brokenPath, Buffer.concat([Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]), Buffer.from('not a component')]));
    const broken = { ...hello, component: { path: brokenPath, sha256: '0'.repeat(64), bytes: 23 } };
    await assert.rejects(runner.startServer({ workload: broken }), (error: unknown) => {
      assert.ok(error instanceof BenchError, String(error));
      assert.equal(error.kind, 'guest');
      assert.match(error.message, /^wasmtime serve exited \(\d+\) before it answered: .+/);
      assert.equal(error.message.split('\n').length, 1);
      return true;
    });
    assert.deepEqual(liveServerPids(), []);

    const probe = { ...hello, name: 'read-env', component: undefined };
    await assert.rejects(runner.startServer({ workload: probe }), (error: unknown) => error instanceof BenchError && error.kind === 'usage' && /has no wasi:http component/.test(error.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
