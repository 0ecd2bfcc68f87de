import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { createPathEngineRunner, PATH_ENGINES } from '../../../runners/cli-engine/index.ts';
import { createWazeroRunRunner, ENGINE_BIN_DIR } from '../../../runners/wazero/index.ts';
import { skipUnlessAvailable } from '../engine-fixtures.ts';

test('an engine command absent from PATH is unavailable with the reason', async () => {
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-empty-path-'));
  try {
    for (const command of PATH_ENGINES) {
      const availability = await createPathEngineRunner(command, emptyDir).availability();
      assert.deepEqual(availability, { status: 'unavailable', reason: `command ${command} not found on PATH` });
    }
  } finally {
    fs.rmSync(emptyDir, { recursive: true, force: true });
  }
});

const skip = await skipUnlessAvailable(createWazeroRunRunner());

test('a wazero command on PATH is detected and runs the workload as wasm-cli-wazero', { skip }, async () => {
  const pathDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-user-path-'));
  try {
    fs.symlinkSync(path.join(ENGINE_BIN_DIR, 'wazero'), path.join(pathDir, 'wazero'));
    const runner = createPathEngineRunner('wazero', pathDir);
    const availability = await runner.availability();
    assert.equal(availability.status, 'available');
    const hello = loadWorkload('hello');
    const canned = cannedRequest(hello);
    const cell = await runner.open({ workload: hello, lifecycle: 'cold' });
    assert.equal(responseMismatch(canned.expected, (await cell.invoke(canned.request)).response), null);
    await cell.close();
  } finally {
    fs.rmSync(pathDir, { recursive: true, force: true });
  }
});
