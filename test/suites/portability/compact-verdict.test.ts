import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueRow, type Measurement, type Outcome } from '../../../core/results.ts';
import { decideCompactBinaries } from '../../../suites/portability/verdict.ts';

const size = (workload: string, runner: string, bytes: number): Measurement =>
  valueRow({ suite: 'portability', runner, config: runner === 'wasm' ? 'default' : 'platform=linux-x64', lifecycle: '-', workload, phase: 'size', metric: 'artifact-bytes', unit: 'bytes' }, bytes);

test('.wasm under the static binary and 10x under the image confirms, and says when the dynamic build is smaller', () => {
  const verdict = decideCompactBinaries([size('hello', 'wasm', 40_000), size('hello', 'native-static', 700_000), size('hello', 'native-dynamic', 18_000), size('hello', 'container-image', 700_000)], []);
  assert.equal(verdict.verdict, 'confirmed', verdict.reason);
  assert.match(verdict.reason, /image 683\.6 KiB \(17\.5x the \.wasm\)/);
  assert.match(verdict.reason, /larger than the dynamically linked native build for hello \(2\.2x\)/);
});

test('an image less than 10x the .wasm refutes', () => {
  const verdict = decideCompactBinaries([size('hello', 'wasm', 40_000), size('hello', 'native-static', 700_000), size('hello', 'container-image', 200_000)], []);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /only 5\.0x its \.wasm/);
});

test('a .wasm larger than the static binary refutes', () => {
  const verdict = decideCompactBinaries([size('cpu', 'wasm', 900_000), size('cpu', 'native-static', 700_000), size('cpu', 'container-image', 90_000_000)], []);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /cpu\.wasm is larger than its native static binary/);
});

test('no Docker engine leaves it inconclusive, with the reason', () => {
  const missing: Outcome = { suite: 'portability', runner: 'container-image', config: 'platform=darwin-arm64', lifecycle: '-', workload: 'hello', subject: 'hello (container-image)', condition: 'platform=darwin-arm64', outcome: 'not-run', detail: 'no container image here: no Docker engine' };
  const verdict = decideCompactBinaries([size('hello', 'wasm', 40_000), size('hello', 'native-static', 700_000)], [missing]);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /no Docker engine/);
  assert.equal(decideCompactBinaries([], []).verdict, 'not-run');
});
