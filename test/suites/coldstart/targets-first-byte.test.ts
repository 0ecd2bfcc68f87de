import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResultCollector } from '../../../core/results.ts';
import { measureTargets, FROM_ZERO } from '../../../suites/coldstart/targets.ts';
import { freePort } from '../../../core/net.ts';
import type { DeployedTarget } from '../../../suites/targets/targets-file.ts';
import type { SuiteContext } from '../../../suites/types.ts';
import { startFixedServer, startHelloTarget } from '../throughput/locust/locust-helpers.ts';

test('targets: first byte of a right one (and from zero after idling), failed cells for a wrong one and a silent one', async () => {
  const app = await startHelloTarget();
  const wrong = await startFixedServer('Hello, wrong\n');
  const closedPort = await freePort();
  const targets: DeployedTarget[] = [
    { name: 'local-wasm', substrate: 'wasm', url: app.url, workloads: ['hello'], scalesToZero: true, idleSeconds: 1 },
    { name: 'wrong', substrate: 'node', url: wrong.url, workloads: ['hello'], scalesToZero: false, idleSeconds: null },
    { name: 'silent', substrate: 'node', url: `http://127.0.0.1:${closedPort}`, workloads: ['hello', 'echo'], scalesToZero: false, idleSeconds: null },
    { name: 'cpu-only', substrate: 'node', url: wrong.url, workloads: ['cpu'], scalesToZero: false, idleSeconds: null },
  ];
  const results = new ResultCollector();
  const context: SuiteContext = { profile: 'quick', signal: new AbortController().signal, progress: () => undefined, results, runners: [], servers: [], unavailable: [], workloads: ['hello', 'echo'], variants: false, targets };
  try {
    await measureTargets(context, targets, ['hello', 'echo'], { l2: { warmup: 2, samples: 20, budgetMs: 2000 }, fromZeroRequests: 2 });
  } finally {
    await app.front.close();
    await wrong.close();
  }
  const rows = (lifecycle: string, metric = 'duration') => results.measurements.filter((r) => r.suite === 'coldstart' && r.runner === 'target:local-wasm' && r.config === 'substrate=wasm' && r.phase === 'L2' && r.lifecycle === lifecycle && r.metric === metric);
  assert.equal(rows('-').filter((r) => r.stat === 'sample').length, 20);
  assert.ok(rows('-').some((r) => r.stat === 'p50'));
  assert.equal(rows('-').some((r) => r.stat === 'p99'), false, 'no p99 from 20 samples');
  const cold = rows(FROM_ZERO);
  assert.equal(cold.filter((r) => r.stat === 'sample').length, 2);
  assert.deepEqual(cold.filter((r) => r.stat !== 'sample').map((r) => r.stat).sort(), ['count', 'max', 'mean', 'min', 'p50'], 'no p90, p99 or interval from two samples');
  const idles = rows(FROM_ZERO, 'idle-before');
  assert.equal(idles.length, 2);
  assert.ok(idles.every((r) => r.value >= 1e9), 'each cold request came after at least the idle time');

  const outcome = (runner: string, workload: string) => results.outcomes.find((o) => o.runner === runner && o.workload === workload);
  assert.match(outcome('target:wrong', 'hello')?.detail ?? '', /^wrong answer to hello\/get: body sha256/);
  assert.equal(outcome('target:wrong', 'hello')?.outcome, 'failed');
  assert.match(outcome('target:silent', 'hello')?.detail ?? '', /^no answer to hello\/get: .*ECONNREFUSED/);
  assert.match(outcome('target:silent', 'echo')?.detail ?? '', /^no answer to echo\/post-json/);
  assert.equal(outcome('target:cpu-only', 'cpu')?.outcome, 'not-run');
  assert.equal(results.measurements.filter((r) => r.runner !== 'target:local-wasm').length, 0, 'a failed target has no timing rows');
});
