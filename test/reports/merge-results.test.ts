import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readResultFile } from '../../reports/formats.ts';
import { machinesOf, mergeResults } from '../../reports/merge.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const linux = readResultFile(path.join(FIXTURES, 'linux-x64'));
const darwin = readResultFile(path.join(FIXTURES, 'darwin-arm64'));

test('merging two machines keeps every row, each labelled with its machine', () => {
  const merged = mergeResults([linux, darwin]);
  assert.deepEqual(machinesOf(merged), ['fixture-linux-x64', 'fixture-darwin-arm64']);
  assert.equal(merged.measurements.length, linux.measurements.length + darwin.measurements.length);
  assert.equal(merged.outcomes.length, linux.outcomes.length + darwin.outcomes.length);
  assert.equal(merged.claims.length, linux.claims.length + darwin.claims.length);
  assert.equal(merged.suites.length, linux.suites.length + darwin.suites.length);
  assert.equal(merged.measurements.filter((row) => row.machine === 'fixture-darwin-arm64').length, darwin.measurements.length);
  assert.ok([...merged.measurements, ...merged.outcomes, ...merged.claims, ...merged.suites].every((row) => row.machine === 'fixture-linux-x64' || row.machine === 'fixture-darwin-arm64'));
  assert.equal(merged.environment.machine, 'fixture-linux-x64');
});

test('rows without a machine label take their file\'s machine', () => {
  const unlabelled = { ...linux, measurements: linux.measurements.map(({ machine: _machine, ...row }) => row), claims: linux.claims.map(({ machine: _machine, ...claim }) => claim) };
  const merged = mergeResults([unlabelled]);
  assert.ok(merged.measurements.every((row) => row.machine === 'fixture-linux-x64'));
  assert.ok(merged.claims.every((claim) => claim.machine === 'fixture-linux-x64'));
});

test('two runs with one machine label are told apart, rows relabelled with them', () => {
  const again = { ...linux, environment: { ...linux.environment, node: 'v22.20.0' } };
  const thrice = { ...linux, environment: { ...linux.environment, node: 'v22.20.0' } };
  const merged = mergeResults([linux, again, thrice]);
  assert.deepEqual(machinesOf(merged), ['fixture-linux-x64', 'fixture-linux-x64 (node v22.20.0)', 'fixture-linux-x64 #2']);
  for (const machine of machinesOf(merged)) {
    assert.equal(merged.measurements.filter((row) => row.machine === machine).length, linux.measurements.length);
    assert.equal(merged.claims.filter((claim) => claim.machine === machine).length, linux.claims.length);
  }
});

test('a merged file merges again without losing a machine', () => {
  const first = mergeResults([linux, darwin]);
  const twice = mergeResults([first]);
  assert.deepEqual(machinesOf(twice), machinesOf(first));
  assert.deepEqual(twice.measurements, first.measurements);
  const withThird = mergeResults([first, { ...darwin, environment: { ...darwin.environment, machine: 'fixture-windows-x64' }, measurements: darwin.measurements.map((row) => ({ ...row, machine: 'fixture-windows-x64' })) }]);
  assert.deepEqual(machinesOf(withThird), ['fixture-linux-x64', 'fixture-darwin-arm64', 'fixture-windows-x64']);
});
