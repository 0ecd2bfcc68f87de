import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCollector } from '../../../core/results.ts';
import type { DeployedTarget } from '../../../suites/targets/targets-file.ts';
import { runThroughput } from '../../../suites/throughput/index.ts';
import { CLOSED_LOOP, LOCUST_CLOSED_LOOP, OPEN_LOOP } from '../../../suites/throughput/phases.ts';
import type { SuiteContext } from '../../../suites/types.ts';
import { processesWith, skipWithoutLocust, startFixedServer, startHelloTarget } from './locust/locust-helpers.ts';

test('throughput with --load locust: Locust rows and Locust ceilings beside autocannon, a locally started target loaded like a cell, a wrong one failed', { skip: skipWithoutLocust }, async () => {
  const app = await startHelloTarget();
  const wrong = await startFixedServer('Hello, wrong\n');
  const targets: DeployedTarget[] = [
    { name: 'local-wasm', substrate: 'wasm', url: app.url, workloads: ['hello'], scalesToZero: false, idleSeconds: null },
    { name: 'wrong', substrate: 'node', url: wrong.url, workloads: ['hello'], scalesToZero: false, idleSeconds: null },
  ];
  const results = new ResultCollector();
  const context: SuiteContext = { profile: 'quick', signal: new AbortController().signal, progress: () => undefined, results, runners: [], servers: [], unavailable: [], workloads: ['hello'], variants: false, targets, locust: { localWorkers: 2, remoteWorkers: 0 } };
  try {
    await runThroughput(context, { durationSeconds: 1, rounds: 1, connections: 4, openLoopFraction: 0.5, mixApps: [], spinMicros: [], openLoopRunners: null });
  } finally {
    await app.front.close();
    await wrong.close();
  }
  const rps = (runner: string, phase: string) => results.measurements.find((r) => r.runner === runner && r.phase === phase && r.metric === 'requests-per-second');
  for (const runner of ['loadgen-ceiling', 'front-noop', 'target:local-wasm']) {
    for (const phase of [CLOSED_LOOP, OPEN_LOOP, LOCUST_CLOSED_LOOP]) assert.ok((rps(runner, phase)?.value ?? 0) > 0, `${runner} ${phase}`);
  }
  const locustRow = (runner: string, metric: string, stat = 'value') => results.measurements.find((r) => r.runner === runner && r.phase === LOCUST_CLOSED_LOOP && r.metric === metric && r.stat === stat);
  assert.equal(locustRow('front-noop', 'load-workers')?.value, 2);
  assert.equal(locustRow('front-noop', 'load-users')?.value, 8);
  assert.equal(results.measurements.filter((r) => r.runner === 'front-noop' && r.metric === 'requests-per-second-per-worker' && r.stat === 'sample').length, 2);
  assert.ok((locustRow('loadgen-ceiling', 'load-cpu')?.value ?? 0) > 0);
  assert.ok(locustRow('front-noop', 'latency-ms-buckets', 'p50'), "Locust's latencies are rows of their own metric");
  assert.equal(results.measurements.filter((r) => r.phase === LOCUST_CLOSED_LOOP && r.metric === 'latency').length, 0, "Locust's coarse latencies never mix with autocannon's");
  assert.equal(locustRow('target:local-wasm', 'front-cpu'), undefined, "a deployed target's processes are not ours to sample");
  const target = rps('target:local-wasm', LOCUST_CLOSED_LOOP)!;
  assert.equal(target.config, 'substrate=wasm');
  assert.equal(target.lifecycle, '-');
  const failed = results.outcomes.find((o) => o.runner === 'target:wrong');
  assert.equal(failed?.outcome, 'failed');
  assert.match(failed?.detail ?? '', /^wrong answer to hello\/get/);
  assert.equal(results.measurements.filter((r) => r.runner === 'target:wrong').length, 0);
  assert.ok(results.claims.has('throughput-100k'));
  assert.deepEqual(processesWith('wsb-locust-'), []);
});
