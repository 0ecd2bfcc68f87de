import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');

test('wsb report of a folder of run folders writes merged results.json, CSVs and index.html', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-cmd-'));
  const result = await execa('node', [WSB, 'report', FIXTURES, '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  assert.deepEqual(fs.readdirSync(out).sort(), ['coldstart.csv', 'density.csv', 'index.html', 'isolation.csv', 'portability.csv', 'results.json', 'throughput.csv']);
  const merged = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.deepEqual(merged.environments.map((environment: { machine: string }) => environment.machine), ['fixture-darwin-arm64', 'fixture-linux-x64']);
  assert.match(fs.readFileSync(path.join(out, 'coldstart.csv'), 'utf8'), /^machine,suite,/);
  assert.match(fs.readFileSync(path.join(out, 'coldstart.csv'), 'utf8'), /\nfixture-darwin-arm64,coldstart,/);
});

test('bad input is one line on stderr and exit code 2', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-bad-'));
  const cases: string[][] = [
    ['report', path.join(out, 'missing.json'), '--out', out],
    ['report', path.resolve(import.meta.dirname, '../../package.json'), '--out', out],
    ['report', out, '--out', out],
    ['report', '--out', out],
    ['report', FIXTURES],
  ];
  for (const args of cases) {
    const result = await execa('node', [WSB, ...args], { reject: false });
    assert.equal(result.exitCode, 2, args.join(' '));
    assert.equal(String(result.stderr).trim().split('\n').length, 1, String(result.stderr));
  }
});
