import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortabilityDetail } from '../../../core/portability-verdict.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import { runEnginePortability } from '../../../suites/portability/engines.ts';
import { portabilityWorkloads } from '../../../suites/portability/index.ts';

test('every committed workload .wasm answers like the manifest on the V8 engine path; an absent engine is not-run with its reason', async () => {
  const workloads = portabilityWorkloads([]);
  assert.deepEqual(workloads.map((workload) => workload.name).sort(), ['cpu', 'echo', 'hello', 'mem']);
  const rows = await runEnginePortability({
    workloads,
    runners: [createWasmRunner()],
    unavailable: [{ runner: 'wasm-cli-wasmedge', reason: 'command wasmedge not found on PATH' }, { runner: 'container', reason: 'no Docker engine' }],
    signal: new AbortController().signal,
    progress: () => {},
  });
  const ran = rows.filter((row) => row.condition === 'engine=wasm');
  assert.equal(ran.length, 4);
  for (const row of ran) {
    assert.equal(row.outcome, 'match', row.detail);
    const workload = workloads.find((candidate) => `${candidate.name}.wasm` === row.subject)!;
    const digests = parsePortabilityDetail(row.detail);
    assert.equal(digests.artifactSha256, workload.sha256);
    assert.match(digests.outputSha256 ?? '', /^[0-9a-f]{64}$/);
  }
  const absent = rows.filter((row) => row.condition === 'engine=wasm-cli-wasmedge');
  assert.equal(absent.length, 4);
  assert.ok(absent.every((row) => row.outcome === 'not-run' && row.detail.includes('command wasmedge not found on PATH')));
  assert.ok(!rows.some((row) => row.runner === 'container'), 'only Wasm engine paths are portability columns');
});
