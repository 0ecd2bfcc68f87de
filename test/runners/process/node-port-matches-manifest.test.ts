import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkloads, responseMismatch } from '../../../fixtures/manifest.ts';
import { createProcessRunner } from '../../../runners/process/runner.ts';
import { HANDLERS } from '../../../runners/process/handlers.ts';
import { cgiEnvironment, parseCgiResponse } from '../../../runners/wagi.ts';

const workloads = loadWorkloads().filter((workload) => workload.kind === 'workload');

test('every benchmark workload has a JavaScript port, and each answers every canned request as the manifest expects', () => {
  assert.ok(workloads.length >= 4);
  for (const workload of workloads) {
    const handler = HANDLERS[workload.name];
    assert.ok(handler, `no JavaScript port of ${workload.name}`);
    for (const canned of workload.requests) {
      const env = Object.entries(cgiEnvironment(canned.request)).map(([key, value]) => `${key}=${value}`);
      const response = parseCgiResponse(handler({ env, body: Buffer.from(canned.request.body) }));
      assert.equal(responseMismatch(canned.expected, response), null, `${workload.name} ${canned.name}`);
    }
  }
});

test('process-node processes answer as the manifest expects: a warm worker per workload, a pre-warmed pool, a cold spawn', async () => {
  const runner = createProcessRunner({ flavour: 'node' });
  for (const workload of workloads) {
    const cell = await runner.open({ workload, lifecycle: 'warm' });
    try {
      for (const canned of workload.requests) {
        const result = await cell.invoke(canned.request);
        assert.equal(responseMismatch(canned.expected, result.response), null, `${workload.name} ${canned.name}`);
      }
    } finally {
      await cell.close();
    }
  }
  const echo = workloads.find((workload) => workload.name === 'echo');
  assert.ok(echo);
  for (const lifecycle of ['prewarmed', 'cold'] as const) {
    const cell = await runner.open({ workload: echo, lifecycle, poolSize: 1 });
    try {
      for (const canned of echo.requests) {
        const result = await cell.invoke(canned.request);
        assert.equal(responseMismatch(canned.expected, result.response), null, `echo ${lifecycle} ${canned.name}`);
        assert.equal(result.exitCode, 0);
      }
    } finally {
      await cell.close();
    }
  }
});
