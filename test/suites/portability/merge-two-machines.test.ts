import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { collectEnvironment } from '../../../core/environment.ts';
import { RESULT_SCHEMA, type ClaimVerdict, type ResultFile } from '../../../core/results.ts';
import { writeResultFiles } from '../../../reports/formats.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { runEnginePortability } from '../../../suites/portability/engines.ts';
import { portabilityWorkloads } from '../../../suites/portability/index.ts';
import { decidePortability } from '../../../suites/portability/verdict.ts';

const WSB = path.resolve(import.meta.dirname, '../../../bin/wsb.js');

test('wsb report of two machines\' results gives one portability table and decides same-binary-everywhere over both', async () => {
  const outcomes = await runEnginePortability({ workloads: portabilityWorkloads(['hello', 'cpu']), runners: [createWasmRunner()], unavailable: [], signal: new AbortController().signal, progress: () => {} });
  const here = await collectEnvironment({ profile: 'quick', argv: ['test'] });
  // The second machine's file reuses this machine's real rows under another label (a test of the merge, not a measurement).
  const machines = [here, { ...here, machine: 'fixture-darwin-arm64-b', platform: 'darwin', arch: 'arm64' }];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-port-merge-'));
  for (const environment of machines) {
    const own = outcomes.map((row) => ({ ...row, machine: environment.machine }));
    const claims: ClaimVerdict[] = decidePortability([], own).map((claim) => ({ ...claim, machine: environment.machine }));
    const file: ResultFile = { schema: RESULT_SCHEMA, environment, claims, measurements: [], outcomes: own, suites: [{ suite: 'portability', status: 'ok', detail: '', durationMs: 1 }] };
    writeResultFiles(path.join(root, environment.machine), file);
  }
  assert.equal(JSON.parse(fs.readFileSync(path.join(root, here.machine, 'results.json'), 'utf8')).claims.find((c: ClaimVerdict) => c.id === 'same-binary-everywhere').verdict, 'inconclusive');

  const out = path.join(root, 'report');
  const result = await execa('node', [WSB, 'report', path.join(root, here.machine), path.join(root, machines[1]!.machine), '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  const merged = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as ResultFile;
  const csvLines = fs.readFileSync(path.join(out, 'portability.csv'), 'utf8').trim().split('\n');
  for (const environment of machines) {
    assert.equal(csvLines.filter((line) => line.startsWith(`${environment.machine},portability,wasm,`) && line.includes('engine=wasm') && line.includes(',match,')).length, 2);
  }
  const verdicts = merged.claims.filter((claim) => claim.id === 'same-binary-everywhere');
  assert.deepEqual(verdicts.map((claim) => claim.machine), machines.map((environment) => environment.machine));
  for (const verdict of verdicts) {
    assert.match(verdict.reason, /across all 2 machines/);
    assert.match(verdict.reason, new RegExp(`darwin-arm64, ${process.platform}-${process.arch}|${process.platform}-${process.arch}, darwin-arm64`));
    // Two platforms cover neither Windows nor (if this host is arm64) x64: still inconclusive, and it says what is missing.
    assert.equal(verdict.verdict, 'inconclusive');
    assert.match(verdict.reason, /win32/);
  }
});
