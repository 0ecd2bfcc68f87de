import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { eventually, processesWith, skipWithoutLocust } from '../suites/throughput/locust/locust-helpers.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');
/** The servers a throughput run starts, named by their entry files in this checkout. */
const SERVERS = ['suites/http-front/front-process.ts', 'suites/throughput/simplest-server.ts'].map((file) => path.resolve(import.meta.dirname, '../..', file));

test('Ctrl-C during a Locust run: wsb bench stops Locust and the fronts, writes what it measured, exits 130', { skip: skipWithoutLocust }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-bench-locust-'));
  const before = new Set([...processesWith('wsb-locust-'), ...SERVERS.flatMap(processesWith)]);
  const bench = execa('node', [WSB, 'bench', '--suite', 'throughput', '--runner', 'none', '--load', 'locust', '--workers', '2', '--out', out], { reject: false });
  try {
    const mine = (): number[] => processesWith('wsb-locust-').filter((pid) => !before.has(pid));
    assert.ok(await eventually(() => mine().length >= 3, 120_000), 'a Locust master and two workers are running');
    bench.kill('SIGINT');
    const result = await bench;
    assert.equal(result.exitCode, 130, String(result.stderr).slice(-500));
    assert.deepEqual(mine(), [], 'no Locust process survives');
    assert.deepEqual(SERVERS.flatMap(processesWith).filter((pid) => !before.has(pid)), [], 'no front or server of the run survives');
    const written = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
    assert.equal(written.suites[0].status, 'aborted');
    assert.ok(written.measurements.some((row: { runner: string; phase: string }) => row.runner === 'loadgen-ceiling' && row.phase === 'closed-loop'), "autocannon's run before the interrupt is kept");
  } finally {
    bench.kill('SIGKILL');
    fs.rmSync(out, { recursive: true, force: true });
  }
});
