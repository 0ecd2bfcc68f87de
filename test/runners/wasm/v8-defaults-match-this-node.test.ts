import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { V8_DEFAULT_TIERING_BUDGET, V8_MAX_COMMITTED_WASM_CODE_MIB } from '../../../runners/wasm/load.ts';

test("the V8 defaults the runner relies on are this Node's own (the tiering budget it puts back, the code cap density stops at)", () => {
  const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
  const defaultOf = (flag: string): number => {
    const match = new RegExp(`default: --${flag}=(\\d+)`).exec(options);
    assert.ok(match, `node --v8-options lists --${flag} with its default`);
    return Number(match[1]);
  };
  assert.equal(defaultOf('wasm-tiering-budget'), V8_DEFAULT_TIERING_BUDGET);
  assert.equal(defaultOf('wasm-max-committed-code-mb'), V8_MAX_COMMITTED_WASM_CODE_MIB);
});
