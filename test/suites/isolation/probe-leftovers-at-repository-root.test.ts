/**
 * Regression: a probe run once left `%2Ftmp%2Fwsb-isolation-...%2Freadonly%2Fprobe-write.txt`
 * and a dangling `...%2Fscratch%2Fmade-link` at the repository root. Three
 * faults together: the query reached the probe percent-encoded and wsb_query
 * did not decode it (so the absolute path became a relative file name), the
 * native process ran in the checkout, and the host-state check looked only at
 * the planted folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { nativeToolchain } from '../../../fixtures/native.ts';
import { createProcessRunner } from '../../../runners/process/runner.ts';
import { Neighbour, probeRequest, runProbeCase } from '../../../suites/isolation/matrix.ts';
import { plantSecrets, type Plant } from '../../../suites/isolation/plant.ts';
import { PROBES, parseAnswer, type ProbeCase, type ProbeSpec } from '../../../suites/isolation/probes.ts';
import type { Outcome } from '../../../core/results.ts';
import { probeAnswer, runProbeNative, runProbeWasm } from '../../fixtures/probe-run.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
const toolchain = await nativeToolchain('glibc-static');
const skip = toolchain.available ? false : toolchain.reason;
const signal = new AbortController().signal;
const probe = (name: string): ProbeSpec => PROBES.find((spec) => spec.probe === name)!;
const listing = (folder: string): string[] => fs.readdirSync(folder).sort();

test('wsb_query percent-decodes: an encoded absolute path reaches the probe whole, in the .wasm and natively', { skip }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-decode-'));
  try {
    const file = path.join(folder, 'a file+name.txt');
    fs.writeFileSync(file, 'decoded\n');
    // `+` is a space in a form value; %2B is a plus.
    const query = `path=${encodeURIComponent(folder)}%2Fa+file%2Bname.txt`;
    const wasm = probeAnswer((await runProbeWasm('read-host-file', query, { [folder]: folder })).stdout);
    assert.equal(wasm.outcome, 'succeeded', wasm.detail);
    assert.match(wasm.detail, /a file\+name\.txt/);
    const native = await runProbeNative('read-host-file', query);
    const answer = probeAnswer(native.stdout);
    assert.equal(answer.outcome, 'succeeded', answer.detail);
    assert.equal(answer.detail, `read 8 bytes of ${folder}/a file+name.txt`);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

/**
 * Runs probe cases on the real process runner against a fresh plant, and
 * checks that the repository root is as it was afterwards.
 */
async function onPlant(check: (run: (spec: ProbeSpec, probeCase: ProbeCase) => Promise<Outcome>, plant: Plant) => Promise<void>): Promise<void> {
  const before = listing(REPO_ROOT);
  const runner = createProcessRunner();
  const plant = await plantSecrets();
  const neighbour = new Neighbour(runner, 'default');
  try {
    await check((spec, probeCase) => runProbeCase({ runner, config: 'default', lifecycle: 'cold', spec, probeCase }, plant, neighbour, signal), plant);
  } finally {
    await neighbour.close();
    await plant.remove();
  }
  assert.deepEqual(listing(REPO_ROOT), before);
}

test('the probes that left the two files at the repository root now write where they aim, and the checkout stays as it was', { skip }, () =>
  onPlant(async (run, plant) => {
    const write = probe('write-readonly');
    const written = await run(write, write.cases[0]!);
    assert.equal(written.outcome, 'escaped');
    assert.match(written.detail, /appeared on the host in .*readonly/);
    const link = probe('symlink-escape');
    const linked = await run(link, link.cases.find((probeCase) => probeCase.condition === 'grant=dir-rw')!);
    assert.equal(linked.outcome, 'escaped');
    assert.match(linked.detail, /read \d+ bytes through .*scratch\/made-link/);
    assert.deepEqual(plant.workDirFiles(), []);
  }));

test('a file a probe creates by a relative path lands in the plant\'s working directory, is reported as an escape and is removed', { skip }, () =>
  onPlant(async (run, plant) => {
    const relative: ProbeCase = { condition: 'grant=none', query: () => 'path=stray.txt', grant: () => ({}) };
    const row = await run(probe('write-readonly'), relative);
    assert.equal(row.outcome, 'escaped');
    assert.match(row.detail, new RegExp(`left ${plant.facts.workDir}/stray\\.txt in its working directory`));
    assert.deepEqual(plant.workDirFiles(), [], 'the plant removes what the probe left');
  }));

test('a process cell opened without a working directory runs in a temporary one of its own, removed at close', { skip }, async () => {
  const before = listing(REPO_ROOT);
  const workload = loadWorkload('write-readonly');
  for (const lifecycle of ['cold', 'prewarmed', 'warm'] as const) {
    const cell = await createProcessRunner().open({ workload, lifecycle, poolSize: 1 });
    const answer = parseAnswer((await cell.invoke(probeRequest('write-readonly', 'path=stray.txt'))).response.body);
    assert.equal(answer?.outcome, 'succeeded', lifecycle);
    const cellDirs = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('wsb-cell-')).map((name) => path.join(os.tmpdir(), name));
    const holding = cellDirs.filter((dir) => fs.existsSync(path.join(dir, 'stray.txt')));
    assert.equal(holding.length, 1, `${lifecycle}: the file is in the cell's own temporary directory`);
    await cell.close();
    assert.equal(fs.existsSync(holding[0]!), false, `${lifecycle}: the cell removes its directory at close`);
  }
  assert.deepEqual(listing(REPO_ROOT), before);
  assert.equal(fs.existsSync(path.join(process.cwd(), 'stray.txt')), false);
});
