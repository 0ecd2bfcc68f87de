import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createProcessRunner } from '../../../runners/process/runner.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { Neighbour, runProbeCase } from '../../../suites/isolation/matrix.ts';
import { plantSecrets, SECRET_ENV_NAME } from '../../../suites/isolation/plant.ts';
import { PROBES } from '../../../suites/isolation/probes.ts';
import type { Runner } from '../../../runners/types.ts';

const signal = new AbortController().signal;
const probe = (name: string) => PROBES.find((spec) => spec.probe === name)!;

async function outcomes(runner: Runner, probeName: string) {
  const plant = await plantSecrets();
  const neighbour = new Neighbour(runner, runner.configurations[0] as string);
  try {
    const spec = probe(probeName);
    const rows = [];
    for (const probeCase of spec.cases) rows.push(await runProbeCase({ runner, config: runner.configurations[0] as string, lifecycle: 'cold', spec, probeCase }, plant, neighbour, signal));
    return { rows, root: plant.facts.root };
  } finally {
    await neighbour.close();
    await plant.remove();
  }
}

test('the real wasm runner contains the host-file read, with and without a grant, and the grant itself works', async () => {
  const { rows, root } = await outcomes(createWasmRunner(), 'read-host-file');
  assert.deepEqual(rows.map((row) => [row.condition, row.outcome]), [['grant=none', 'contained'], ['grant=dir', 'contained']]);
  assert.match(rows[1]!.detail, /control: the granted access works/);
  assert.equal(fs.existsSync(root), false, 'the plant is removed');
  assert.equal(process.env[SECRET_ENV_NAME], undefined);
});

test('a bare process reads the planted secret file, with and without a grant', async () => {
  const { rows } = await outcomes(createProcessRunner(), 'read-host-file');
  assert.deepEqual(rows.map((row) => row.outcome), ['escaped', 'escaped']);
  assert.match(rows[0]!.detail, /read \d+ bytes of .*secret\.txt/);
});

test('read-env: the planted host variable stays invisible on wasm and on the process runner (which passes no inherited environment)', async () => {
  for (const runner of [createWasmRunner(), createProcessRunner()]) {
    const { rows } = await outcomes(runner, 'read-env');
    assert.deepEqual(rows.map((row) => row.outcome), ['contained', 'contained'], runner.name);
    assert.match(rows[1]!.detail, /control: the granted access works/, runner.name);
  }
});

test("a bare process writes into the read-only grant, seen on the host's disk", async () => {
  const { rows } = await outcomes(createProcessRunner(), 'write-readonly');
  assert.deepEqual(rows.map((row) => row.outcome), ['escaped', 'escaped']);
  assert.match(rows[0]!.detail, /appeared on the host/);
});

test('a crash in the wasm runner is contained: the neighbour answers after it', async () => {
  const { rows } = await outcomes(createWasmRunner(), 'crash');
  assert.equal(rows[0]!.outcome, 'contained');
  assert.match(rows[0]!.detail, /a neighbour answered after it/);
});
