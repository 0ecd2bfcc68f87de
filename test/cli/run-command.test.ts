import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { cannedRequest, loadWorkload, REPO_ROOT_FOR_TESTS } from './run-helpers.ts';
import { parseCgiResponse } from '../../runners/wagi.ts';

const run = promisify(execFile);

/** Runs `wsb` and returns its exit code and output, whatever the code. */
async function wsb(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT_FOR_TESTS, 'bin/wsb.js'), ...args], { encoding: 'buffer', env });
    return { code: 0, stdout, stderr: stderr.toString() };
  } catch (error) {
    const failed = error as { code: number; stdout: Buffer; stderr: Buffer };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr.toString() };
  }
}

test('wsb run hello.wasm prints the manifest response with both engines', async () => {
  const hello = loadWorkload('hello');
  const expected = cannedRequest(hello).expected;
  for (const engine of ['v8', 'jco']) {
    const { code, stdout, stderr } = await wsb(['run', hello.wasmPath, '--engine', engine]);
    assert.equal(code, 0, `${engine}: ${stderr}`);
    const response = parseCgiResponse(stdout);
    assert.equal(response.status, expected.status);
    assert.equal(Buffer.from(response.body).toString(), expected.body, engine);
  }
});

test('wsb run passes the guest exit code and grants only what is asked', async () => {
  const probe = loadWorkload('read-env').wasmPath;
  const hidden = await wsb(['run', probe], { ...process.env, QUERY_STRING: 'name=HOME' });
  assert.equal(hidden.code, 0);
  assert.match(hidden.stdout.toString(), /"outcome":"blocked"/, 'QUERY_STRING of the host is not the guest\'s either');
  const granted = await wsb(['run', probe, '--env', 'QUERY_STRING=name=X', '--env', 'X=1']);
  assert.match(granted.stdout.toString(), /"outcome":"succeeded"/);
});

test('wsb run stops an infinite loop at its deadline with one line and exit 1', async () => {
  const { code, stderr } = await wsb(['run', loadWorkload('infinite-loop').wasmPath, '--deadline-ms', '300']);
  assert.equal(code, 1);
  assert.match(stderr, /^wsb: guest error: deadline exceeded: the guest ran past 300 ms/);
  assert.equal(stderr.trim().split('\n').length, 1);
});

test('bad input is one line and exit 2', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-bad-'));
  try {
    const notWasm = path.join(dir, 'not.wasm');
    fs.writeFileSync(notWasm, 'hello');
    const component = path.join(dir, 'component.wasm');
    fs.writeFileSync(component, Uint8Array.from([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]));
    const missingImport = path.join(dir, 'import.wasm');
    // (module (import "env" "f" (func)) (memory (export "memory") 1) (func (export "_start")))
    fs.writeFileSync(
      missingImport,
      Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 2, 9, 1, 3, 0x65, 0x6e, 0x76, 1, 0x66, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 0x13, 2, 6, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 2, 0, 6, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x74, 0, 1, 0x0a, 4, 1, 2, 0, 0x0b]),
    );
    const hello = loadWorkload('hello').wasmPath;
    const cases: [string[], RegExp][] = [
      [['run', notWasm], /is not a WebAssembly module/],
      [['run', component], /is a WebAssembly component; a core module/],
      [['run', missingImport], /imports function env\.f, which this host does not provide/],
      [['run', hello, '--bogus'], /Unknown option '--bogus'/],
      [['run', path.join(dir, 'missing.wasm')], /no such file/],
      [['run', hello, '--engine', 'spidermonkey'], /--engine takes v8 or jco/],
      [['run', hello, '--dir', path.join(dir, 'nope')], /no such directory/],
      [['run'], /needs a module/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await wsb(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, message, args.join(' '));
      assert.equal(stderr.trim().split('\n').length, 1, `one line for ${args.join(' ')}: ${stderr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
