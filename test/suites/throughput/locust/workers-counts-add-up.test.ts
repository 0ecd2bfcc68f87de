import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFront } from '../../../../suites/http-front/front.ts';
import { NOOP_BODY, NOOP_PATH } from '../../../../suites/http-front/spec.ts';
import { runLocust, type LocustRun } from '../../../../suites/throughput/locust/engine.ts';
import { plannedGet } from '../../../../suites/throughput/locust/plan.ts';
import { helloPlan, locust, processesWith, skipWithoutLocust, startHelloTarget } from './locust-helpers.ts';

/** Every worker loaded, their own counts add up to Locust's statistics, and every answer was right. */
function assertCountsAddUp(run: LocustRun): void {
  assert.equal(run.workers.length, 2);
  for (const worker of run.workers) {
    assert.ok(worker.requests > 0, `worker ${worker.index} sent requests`);
    assert.equal(worker.okRequests, worker.requests, worker.firstFailure ?? '');
    assert.ok(worker.requestsPerSecond > 0 && worker.durationSeconds > 0);
  }
  const sum = run.workers.reduce((total, worker) => total + worker.requests, 0);
  assert.equal(sum, run.locustTotals.requests, "the workers' counts add up to Locust's statistics");
  assert.equal(run.locustTotals.failures, 0);
  assert.equal(run.load.totalRequests, sum);
  assert.equal(run.load.okRequests, sum);
  assert.equal(run.load.errors + run.load.non2xx + run.load.mismatches, 0);
  const perWorker = run.workers.reduce((total, worker) => total + worker.requestsPerSecond, 0);
  assert.ok(Math.abs(run.load.requestsPerSecond - perWorker) < 1e-6, 'the rate is the sum of the workers\' rates');
  assert.ok(run.load.latencyNs.p50 > 0 && run.load.latencyNs.p50 <= run.load.latencyNs.p99);
  assert.ok(run.loadCpuCores > 0);
}

test("a master and two workers on loopback: the workers' counts add up, against the front and against a locally started target", { skip: skipWithoutLocust }, async () => {
  const front = await startFront({ routes: [], workers: 1 });
  const target = await startHelloTarget();
  try {
    const options = { durationSeconds: 2, usersPerWorker: 4, localWorkers: 2, remoteWorkers: 0 };
    const noop = await runLocust(locust!, { ...options, plan: { host: front.url, requests: [plannedGet('noop', `${front.url}${NOOP_PATH}`, NOOP_BODY)] } });
    assertCountsAddUp(noop);
    assert.equal(noop.users, 8);
    const deployed = await runLocust(locust!, { ...options, plan: helloPlan(target.url) });
    assertCountsAddUp(deployed);
    assert.deepEqual(processesWith('wsb-locust-'), [], 'no Locust process outlives its run');
  } finally {
    await front.close();
    await target.front.close();
  }
});
