import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCollector } from '../../core/results.ts';
import { loadWorkload } from '../../fixtures/manifest.ts';
import { nativeToolchain } from '../../fixtures/native.ts';
import { createProcessServerRunner } from '../../runners/http-server/native-server.ts';
import { liveServerPids } from '../../runners/http-server/server-process.ts';
import { measureServers } from '../../suites/coldstart/servers.ts';
import { densitySuite } from '../../suites/density/index.ts';
import type { SuiteContext } from '../../suites/types.ts';

const toolchain = await nativeToolchain('glibc-static');

function context(results: ResultCollector): SuiteContext {
  return { profile: 'quick', signal: new AbortController().signal, progress: () => {}, results, runners: [], servers: [createProcessServerRunner()], unavailable: [{ runner: 'wasm-spin', reason: 'spin not found on PATH', server: true }], workloads: [], variants: false };
}

test('a server runner gets first-load, server-start and L2 rows in coldstart and idle rows in density, under its own name and lifecycle; an unavailable one a not-run row', { skip: toolchain.available ? false : toolchain.reason }, async () => {
  const results = new ResultCollector();
  await measureServers(context(results), loadWorkload('echo'), { serverStart: { warmup: 1, samples: 5, budgetMs: 5000 }, l2: { warmup: 2, samples: 20, budgetMs: 3000 } });
  const rows = results.measurements.filter((r) => r.runner === 'process-server');
  const phases = (phase: string, stat: string) => rows.filter((r) => r.suite === 'coldstart' && r.phase === phase && r.stat === stat);
  assert.equal(phases('server-start', 'sample').length, 5);
  assert.equal(phases('L2', 'sample').length, 20);
  for (const phase of ['server-start', 'L2']) {
    const [p50] = phases(phase, 'p50');
    assert.ok(p50 && p50.value > 0, phase);
    assert.deepEqual({ ...p50, value: 0 }, { suite: 'coldstart', runner: 'process-server', config: 'default', lifecycle: 'warm', workload: 'echo', phase, metric: 'duration', unit: 'ns', stat: 'p50', value: 0, iteration: 0 });
  }
  assert.ok(rows.some((r) => r.phase === 'first-load' && r.metric === 'artifact-bytes' && r.lifecycle === '-'));
  // A server runner that cannot run here stays in the results as not-run, with its reason.
  assert.deepEqual(results.outcomes, [{ suite: 'coldstart', runner: 'wasm-spin', config: '-', lifecycle: '-', workload: 'echo', subject: 'server', condition: 'availability', outcome: 'not-run', detail: 'spin not found on PATH' }]);

  await densitySuite.run(context(results));
  const idle = results.measurements.filter((r) => r.suite === 'density' && r.phase === 'idle');
  assert.deepEqual(idle.map((r) => [r.runner, r.lifecycle, r.metric, r.unit, r.apps]).sort(), [
    ['process-server', 'warm', 'server-cpu', 'cores', 1],
    ['process-server', 'warm', 'server-rss', 'bytes', 1],
  ]);
  assert.ok(idle.find((r) => r.metric === 'server-rss')!.value > 0);
  assert.deepEqual(liveServerPids(), []);
});
