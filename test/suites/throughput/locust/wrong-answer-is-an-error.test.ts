import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLocust } from '../../../../suites/throughput/locust/engine.ts';
import { plannedGet } from '../../../../suites/throughput/locust/plan.ts';
import { locust, skipWithoutLocust, startFixedServer } from './locust-helpers.ts';

test('a wrong answer counts as an error, never as throughput: a wrong body and a wrong status', { skip: skipWithoutLocust }, async () => {
  const wrongBody = await startFixedServer('Hello, wrong\n');
  const notFound = await startFixedServer('no such app\n', 404);
  try {
    const run = await runLocust(locust!, {
      plan: { host: wrongBody.url, requests: [plannedGet('wrong', `${wrongBody.url}/hello`, 'Hello, right\n'), plannedGet('missing', `${notFound.url}/hello`, 'Hello, right\n')] },
      durationSeconds: 2,
      usersPerWorker: 2,
      localWorkers: 2,
      remoteWorkers: 0,
    });
    assert.ok(run.load.totalRequests > 0);
    assert.equal(run.load.okRequests, 0);
    assert.equal(run.load.requestsPerSecond, 0, 'wrong answers are no throughput');
    assert.ok(run.load.mismatches > 0, 'a 200 with the wrong body is a mismatch');
    assert.ok(run.load.non2xx > 0, 'a 404 is a non-2xx');
    assert.equal(run.load.mismatches + run.load.non2xx, run.load.totalRequests);
    assert.equal(run.locustTotals.failures, run.load.totalRequests, 'Locust itself recorded every one as a failure');
    assert.match(run.workers.find((w) => w.firstFailure)?.firstFailure ?? '', /^wrong answer: status (200|404)/);
  } finally {
    await wrongBody.close();
    await notFound.close();
  }
});
