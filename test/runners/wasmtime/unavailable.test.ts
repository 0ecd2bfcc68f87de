import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmtimeRunner } from '../../../runners/wasmtime/index.ts';

test('wasm-wasmtime without its virtual environment is unavailable, says what is missing and how to get it', async () => {
  const runner = createWasmtimeRunner({ venvDir: '/nonexistent/wsb-venv' });
  const availability = await runner.availability();
  assert.equal(availability.status, 'unavailable');
  assert.ok(availability.status === 'unavailable');
  assert.match(availability.reason, /\/nonexistent\/wsb-venv/);
  assert.match(availability.reason, /bash scripts\/setup\.sh/);
  assert.match(availability.reason, /wasmtime==50\.0\.1/);
  await assert.rejects(runner.open({ workload: loadWorkload('hello'), lifecycle: 'cold' }), (error: unknown) => error instanceof BenchError && error.kind === 'unavailable');
});
