import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWazeroRunner, createWazeroRunRunner } from '../../../runners/wazero/index.ts';

test('wasm-wazero and wasm-wazero-run without their binaries are unavailable, say what is missing and how to get it', async () => {
  for (const runner of [createWazeroRunner({ binDir: '/nonexistent/wsb-bin' }), createWazeroRunRunner({ binDir: '/nonexistent/wsb-bin' })]) {
    const availability = await runner.availability();
    assert.ok(availability.status === 'unavailable', runner.name);
    assert.match(availability.reason, /\/nonexistent\/wsb-bin/);
    assert.match(availability.reason, /bash scripts\/setup\.sh/);
    await assert.rejects(runner.open({ workload: loadWorkload('hello'), lifecycle: 'cold' }), (error: unknown) => error instanceof BenchError && error.kind === 'unavailable');
  }
});
