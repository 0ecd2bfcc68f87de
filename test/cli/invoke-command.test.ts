import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { formatInvokeReport, invokeCells, parseInvokeArguments } from '../../cli/commands/invoke.ts';
import { REPO_ROOT_FOR_TESTS } from './run-helpers.ts';

const run = promisify(execFile);

test('invoke runs every runner x lifecycle cell and checks each against the manifest', async () => {
  const args = parseInvokeArguments(['hello', '--runner', 'wasm,wasm-jco', '--lifecycle', 'cold,warm']);
  const outcomes = await invokeCells(args);
  const byCell = Object.fromEntries(outcomes.map((o) => [`${o.runner} ${o.lifecycle}`, o.status]));
  assert.deepEqual(byCell, { 'wasm cold': 'ok', 'wasm warm': 'ok', 'wasm-jco cold': 'ok', 'wasm-jco warm': 'unsupported' });
  const report = formatInvokeReport(args, outcomes);
  assert.match(report, /Hello, world/);
  assert.match(report, /matches the manifest/);
});

test('a failing cell makes the exit code 1; bad flags make it 2', async () => {
  const wsb = path.join(REPO_ROOT_FOR_TESTS, 'bin/wsb.js');
  await assert.rejects(run(process.execPath, [wsb, 'invoke', 'infinite-loop', '--deadline-ms', '200']), (error: { code: number; stdout: string }) => {
    assert.equal(error.code, 1);
    assert.match(error.stdout, /failed \(guest error: deadline exceeded/);
    return true;
  });
  for (const argv of [['hello', '--lifecycle', 'lukewarm'], ['hello', '--runner', 'nope'], ['nope'], ['hello', '--config', 'pooling=maybe'], ['hello', '--bogus']]) {
    assert.throws(() => parseInvokeArguments(argv), (error: Error & { kind?: string }) => error.kind === 'usage', argv.join(' '));
  }
});
