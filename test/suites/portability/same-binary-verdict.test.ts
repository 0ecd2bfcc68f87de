import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSameBinaryEverywhere, platformOfMachineLabel, portabilityDetail } from '../../../core/portability-verdict.ts';
import type { Outcome } from '../../../core/results.ts';

const ARTIFACT = 'a'.repeat(64);
const OUTPUT = 'b'.repeat(64);

function engineRow(engine: string, machine: string, outcome: string, output: string | null = OUTPUT, artifact = ARTIFACT): Outcome {
  return { suite: 'portability', runner: engine, config: 'default', lifecycle: 'cold', workload: 'hello', subject: 'hello.wasm', condition: `engine=${engine}`, outcome, detail: portabilityDetail(artifact, output, outcome === 'not-run' ? 'not run: command not found on PATH' : '1/1 requests match the manifest (get)'), machine };
}
const platformOf = (row: Outcome): string => platformOfMachineLabel(row.machine);

test('one platform with every engine matching is inconclusive, saying it confirms this platform only', () => {
  const verdict = decideSameBinaryEverywhere([engineRow('wasm', 'linux-x64-a', 'match'), engineRow('wasm-wasmtime', 'linux-x64-a', 'match'), engineRow('wasm-cli-wasmedge', 'linux-x64-a', 'not-run', null)], platformOf);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /for this platform only/);
  assert.match(verdict.reason, /darwin, win32, arm64/);
  assert.match(verdict.reason, /wasm-cli-wasmedge on linux-x64-a \(command not found on PATH\)/);
});

test('every claimed OS and architecture matching confirms', () => {
  const machines = ['linux-x64-a', 'linux-arm64-b', 'darwin-arm64-c', 'win32-x64-d'];
  const verdict = decideSameBinaryEverywhere(machines.map((machine) => engineRow('wasm', machine, 'match')), platformOf);
  assert.equal(verdict.verdict, 'confirmed', verdict.reason);
});

test('a wrong output anywhere refutes, naming the engine and machine', () => {
  const verdict = decideSameBinaryEverywhere([engineRow('wasm', 'linux-x64-a', 'match'), engineRow('wasm-jco', 'darwin-arm64-c', 'mismatch', 'c'.repeat(64))], platformOf);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /hello\.wasm \(aaaaaaaaaaaa\.\.\.\) on wasm-jco on darwin-arm64-c/);
});

test('two different outputs of one artifact refute even when each row says match', () => {
  const verdict = decideSameBinaryEverywhere([engineRow('wasm', 'linux-x64-a', 'match'), engineRow('wasm', 'win32-x64-d', 'match', 'c'.repeat(64))], platformOf);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /2 different outputs/);
});

test('nothing run is not-run with the reasons', () => {
  const verdict = decideSameBinaryEverywhere([engineRow('wasm-wasmtime', 'linux-x64-a', 'not-run', null)], platformOf);
  assert.equal(verdict.verdict, 'not-run');
  assert.match(verdict.reason, /command not found on PATH/);
  assert.equal(decideSameBinaryEverywhere([], platformOf).verdict, 'not-run');
});
