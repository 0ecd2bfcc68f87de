import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { CLAIMS } from '../../core/claims.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');

test('wsb bench writes every claim: the suite that ran decides its own, the others are not-run with a reason', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-bench-'));
  const result = await execa('node', [WSB, 'bench', '--suite', 'coldstart', '--runner', 'wasm', '--workload', 'hello', '--quiet', '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  const written = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.ok(written.environment.cpuCount >= 1);
  assert.equal(written.environment.profile, 'quick');
  assert.deepEqual(written.claims.map((c: { id: string }) => c.id), CLAIMS.map((c) => c.id));
  const subMs = written.claims.find((c: { id: string }) => c.id === 'coldstart-sub-ms');
  assert.notEqual(subMs.verdict, 'not-run', subMs.reason);
  assert.ok(subMs.evidence.length > 0);
  const throughput = written.claims.find((c: { id: string }) => c.id === 'throughput-100k');
  assert.equal(throughput.verdict, 'not-run');
  assert.match(throughput.reason, /throughput suite did not run/);
  assert.ok(fs.existsSync(path.join(out, 'coldstart.csv')));
  assert.ok(fs.existsSync(path.join(out, 'index.html')));
  assert.ok(Array.isArray(written.measurements));
  assert.match(String(result.stdout), /coldstart-sub-ms/);
});

test('a usage error prints one line and exits 2', async () => {
  const result = await execa('node', [WSB, 'bench', '--no-such-flag'], { reject: false });
  assert.equal(result.exitCode, 2);
  assert.equal(String(result.stderr).trim().split('\n').length, 1);
  const unknown = await execa('node', [WSB, 'frobnicate'], { reject: false });
  assert.equal(unknown.exitCode, 2);
});
