import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findOnPath, findTool } from '../../../core/tools.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { liveServerPids } from '../../../runners/http-server/server-process.ts';
import { createSpinRunner, spinManifest, spinUpArgs, SPIN_MISSING_REASON } from '../../../runners/spin/index.ts';
import { checkServer } from '../../../suites/servers.ts';

/** A stand-in for `spin`, NOT Spin: it imitates `spin up`'s command line and port handling and serves with wasmtime serve. */
const STAND_IN = path.join(import.meta.dirname, 'spin-stand-in.sh');
const wasmtime = findTool('wasmtime');

test('without spin on PATH, wasm-spin is unavailable and says where a Spin row comes from', { skip: findOnPath('spin') ? 'a spin binary is on PATH' : false }, async () => {
  const availability = await createSpinRunner().availability();
  assert.ok(availability.status === 'unavailable');
  assert.equal(availability.reason, SPIN_MISSING_REASON);
  assert.match(availability.reason, /nightly workflow installs it/);
});

test('the generated spin.toml routes every path to the workload\'s component, and spin up gets --from and a loopback --listen', () => {
  const manifest = spinManifest('hello', '/repo/fixtures/components/hello.wasm');
  assert.match(manifest, /^spin_manifest_version = 2$/m);
  assert.match(manifest, /^\[\[trigger\.http\]\]\nroute = "\/\.\.\."\ncomponent = "hello"$/m);
  assert.match(manifest, /^\[component\.hello\]\nsource = "\/repo\/fixtures\/components\/hello\.wasm"$/m);
  assert.deepEqual(spinUpArgs('/tmp/x/spin.toml', 4321), ['up', '--from', '/tmp/x/spin.toml', '--listen', '127.0.0.1:4321']);
});

test('wasm-spin drives a spin stand-in through spin.toml on a free port: every canned request answered, nothing left running', { skip: wasmtime ? false : 'the stand-in serves with wasmtime serve, which is not installed (bash scripts/setup.sh)' }, async () => {
  const previousPath = process.env['PATH'];
  // The runner hands PATH to spin; the stand-in finds wasmtime there.
  process.env['PATH'] = `${path.dirname(wasmtime!)}${path.delimiter}${previousPath ?? ''}`;
  try {
    const runner = createSpinRunner({ command: STAND_IN });
    const availability = await runner.availability();
    assert.ok(availability.status === 'available');
    assert.match(availability.detail, /stand-in/);
    for (const name of ['hello', 'echo']) {
      const workload = loadWorkload(name);
      const server = await runner.startServer({ workload });
      try {
        assert.equal(server.lifecycle, 'cold');
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(await checkServer(server, workload), null);
      } finally {
        await server.close();
      }
    }
    assert.deepEqual(liveServerPids(), []);
  } finally {
    process.env['PATH'] = previousPath;
  }
});
