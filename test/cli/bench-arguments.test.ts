import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseBenchArguments } from '../../cli/commands/bench.ts';
import { SUITE_NAMES } from '../../core/results.ts';

test('defaults: quick profile, every suite, a timestamped folder', () => {
  const parsed = parseBenchArguments([], new Date('2026-11-27T10:11:12Z'));
  assert.equal(parsed.profile, 'quick');
  assert.deepEqual(parsed.suites, [...SUITE_NAMES]);
  assert.equal(parsed.outDir, path.resolve('results/2026-11-27-101112'));
});

test('lists are comma-separated and repeatable', () => {
  const parsed = parseBenchArguments(['--suite', 'coldstart,density', '--suite', 'isolation', '--full', '--out', 'x']);
  assert.deepEqual(parsed.suites, ['coldstart', 'density', 'isolation']);
  assert.equal(parsed.profile, 'full');
  assert.equal(parsed.outDir, path.resolve('x'));
});

test('bad flags are usage errors', () => {
  for (const argv of [['--suite', 'nope'], ['--bogus'], ['--quick', '--full'], ['--runner', 'no-such-runner'], ['--workload', 'no-such-workload']]) {
    assert.throws(() => parseBenchArguments(argv), (error: Error & { kind?: string }) => error.kind === 'usage', argv.join(' '));
  }
});
