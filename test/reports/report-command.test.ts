import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');

test('wsb report of a folder of run folders writes merged results.json, verdicts.json, CSVs and index.html', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-cmd-'));
  const result = await execa('node', [WSB, 'report', FIXTURES, '--out', out], { reject: false });
  assert.equal(result.exitCode, 0, String(result.stderr));
  assert.deepEqual(fs.readdirSync(out).sort(), ['coldstart.csv', 'density.csv', 'index.html', 'isolation.csv', 'portability.csv', 'results.json', 'throughput.csv', 'verdicts.json']);
  const merged = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  assert.deepEqual(merged.environments.map((environment: { machine: string }) => environment.machine), ['fixture-darwin-arm64', 'fixture-linux-x64']);
  assert.match(fs.readFileSync(path.join(out, 'coldstart.csv'), 'utf8'), /^machine,suite,/);
  assert.match(fs.readFileSync(path.join(out, 'coldstart.csv'), 'utf8'), /\nfixture-darwin-arm64,coldstart,/);
  const verdicts = JSON.parse(fs.readFileSync(path.join(out, 'verdicts.json'), 'utf8'));
  assert.equal(verdicts.claims.length, merged.claims.length);
  assert.deepEqual([verdicts.measurements, verdicts.outcomes], [[], []]);
  assert.ok(verdicts.claims.some((claim: { margin?: unknown }) => claim.margin), 'the margins are kept');
});

test('bad input is one line on stderr and exit code 2', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-bad-'));
  const cases: string[][] = [
    ['report', path.join(out, 'missing.json'), '--out', out],
    ['report', path.resolve(import.meta.dirname, '../../package.json'), '--out', out],
    ['report', out, '--out', out],
    ['report', '--out', out],
    ['report', FIXTURES],
    ['report', FIXTURES, '--out', out, '--history', path.join(out, 'no-such-folder')],
    ['report', FIXTURES, '--out', out, '--baseline', path.join(out, 'missing.json')],
  ];
  for (const args of cases) {
    const result = await execa('node', [WSB, ...args], { reject: false });
    assert.equal(result.exitCode, 2, args.join(' '));
    assert.equal(String(result.stderr).trim().split('\n').length, 1, String(result.stderr));
  }
});

test('a results file of an older schema, or a corrupt one, is one clear line and exit 2, and nothing is written', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-refused-'));
  const good = fs.readFileSync(path.join(FIXTURES, 'linux-x64', 'results.json'), 'utf8');
  const older = path.join(dir, 'older.json');
  fs.writeFileSync(older, good.replace('"schema": 2', '"schema": 1'));
  const truncated = path.join(dir, 'truncated.json');
  fs.writeFileSync(truncated, good.slice(0, good.length / 2));
  const badRow = path.join(dir, 'bad-row.json');
  const parsed = JSON.parse(good);
  parsed.measurements[5] = { suite: 'coldstart', value: 'fast' };
  fs.writeFileSync(badRow, JSON.stringify(parsed));
  const expected: [string, RegExp][] = [
    [older, /has result schema 1, this wsb reads schema 2/],
    [truncated, /cannot read results from .*truncated\.json: /],
    [badRow, /bad-row\.json is corrupt: measurements\[5\] is not a measurement row/],
  ];
  // An earlier report in the output folder stays exactly as it was.
  const out = path.join(dir, 'site');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'index.html'), 'the earlier report');
  const fresh = path.join(dir, 'fresh');
  for (const [file, message] of expected) {
    for (const target of [out, fresh]) {
      // The good file goes first: the bad one must stop the report before anything is written.
      const result = await execa('node', [WSB, 'report', path.join(FIXTURES, 'linux-x64'), file, '--out', target], { reject: false });
      assert.equal(result.exitCode, 2, `${file}: ${result.stderr}`);
      const lines = String(result.stderr).trim().split('\n');
      assert.equal(lines.length, 1, String(result.stderr));
      assert.match(lines[0]!, message);
    }
  }
  assert.deepEqual(fs.readdirSync(out), ['index.html']);
  assert.equal(fs.readFileSync(path.join(out, 'index.html'), 'utf8'), 'the earlier report');
  assert.ok(!fs.existsSync(fresh));
  assert.deepEqual(fs.readdirSync(dir).filter((name) => name.includes('partial')), []);
});
