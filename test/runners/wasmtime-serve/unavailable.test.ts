import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmtimeServeRunner } from '../../../runners/wasmtime-serve/index.ts';

test('without a wasmtime binary the runner is unavailable, says how setup.sh builds it, and refuses to start', async () => {
  const previous = { tools: process.env['WSB_TOOLS_DIR'], path: process.env['PATH'] };
  process.env['WSB_TOOLS_DIR'] = '/nonexistent/wsb-tools';
  process.env['PATH'] = '/nonexistent/bin';
  try {
    const runner = createWasmtimeServeRunner();
    const availability = await runner.availability();
    assert.ok(availability.status === 'unavailable');
    assert.match(availability.reason, /wasmtime not found in the tools cache \(\/nonexistent\/wsb-tools\/bin\) or on PATH/);
    assert.match(availability.reason, /bash scripts\/setup\.sh/);
    await assert.rejects(runner.startServer({ workload: loadWorkload('hello') }), (error: unknown) => error instanceof BenchError && error.kind === 'unavailable');
  } finally {
    if (previous.tools === undefined) delete process.env['WSB_TOOLS_DIR'];
    else process.env['WSB_TOOLS_DIR'] = previous.tools;
    process.env['PATH'] = previous.path;
  }
});
