import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { V8_DEFAULT_TIERING_BUDGET } from '../../../runners/wasm/load.ts';

test("the loader puts V8's tiering budget back to this Node's own default", () => {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  const match = /default: --wasm-tiering-budget=(\d+)/.exec(options);
  assert.ok(match, 'node --v8-options lists --wasm-tiering-budget with its default');
  assert.equal(Number(match[1]), V8_DEFAULT_TIERING_BUDGET);
});
