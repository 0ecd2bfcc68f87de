import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { settlesWithin } from '../../../../core/clock.ts';
import { freePort, LOOPBACK } from '../../../../core/net.ts';
import { runLocust, startLocustProcess, workerArgs } from '../../../../suites/throughput/locust/engine.ts';
import { locustfileSource } from '../../../../suites/throughput/locust/plan.ts';
import { eventually, helloPlan, locust, processesWith, skipWithoutLocust, startHelloTarget } from './locust-helpers.ts';

/** A master and two workers started by hand on a long run; resolves once both workers load. */
async function startLongRun(base: string): Promise<{ dir: string; master: ResultPromise; workers: ResultPromise[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-locust-stop-'));
  const locustfile = path.join(dir, 'locustfile.py');
  fs.writeFileSync(locustfile, locustfileSource(helloPlan(base), { durationSeconds: 600, final: false, flushTimeoutSeconds: 30 }));
  const port = await freePort();
  const master = startLocustProcess(locust!, ['-f', locustfile, '--headless', '--master', '--master-bind-host', LOOPBACK, '--master-bind-port', String(port), '--expect-workers', '2', '-u', '4', '-r', '40', '--exit-code-on-error', '0', '--only-summary'], { cwd: dir, logFile: path.join(dir, 'master.log'), env: { WSB_LOCUST_COUNTS: path.join(dir, 'counts.json') } });
  const started = [false, false];
  const workers = [0, 1].map((i) => {
    const worker = startLocustProcess(locust!, workerArgs(locustfile, { host: LOOPBACK, port }), { cwd: dir, logFile: path.join(dir, `worker-${i}.log`) });
    worker.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"started"')) started[i] = true;
    });
    return worker;
  });
  assert.ok(await eventually(() => started.every(Boolean), 90_000), 'both workers started loading');
  return { dir, master, workers };
}

/** Stops a long run's master with `signal`; its workers must leave on their own within `ms`, and nothing of the run survive. */
async function stopMaster(signal: 'SIGTERM' | 'SIGKILL', ms: number): Promise<string[]> {
  const target = await startHelloTarget();
  try {
    const run = await startLongRun(target.url);
    run.master.kill(signal);
    await run.master;
    const stopped = await settlesWithin(Promise.all(run.workers), ms);
    for (const worker of run.workers) worker.kill('SIGKILL');
    assert.ok(stopped, 'both workers exit on their own once the master is gone');
    const outputs = (await Promise.all(run.workers)).map((exit) => String(exit.stdout));
    assert.deepEqual(processesWith(run.dir), [], 'no process of the run survives');
    fs.rmSync(run.dir, { recursive: true, force: true });
    return outputs;
  } finally {
    await target.front.close();
  }
}

test('stopping the master (SIGTERM, as Ctrl-C does) stops its workers', { skip: skipWithoutLocust }, async () => {
  await stopMaster('SIGTERM', 30_000);
});

test('a master that dies without a word (SIGKILL) still takes its workers with it', { skip: skipWithoutLocust }, async () => {
  // The workers notice the master's silence (10 s), not Locust's 60 s heartbeat timeout.
  const outputs = await stopMaster('SIGKILL', 40_000);
  assert.ok(outputs.every((stdout) => stdout.includes('"master-lost"')), 'each worker says its master is gone');
});

test('an abort stops the master and every worker, and the run rejects', { skip: skipWithoutLocust }, async () => {
  const target = await startHelloTarget();
  const before = new Set(processesWith('wsb-locust-'));
  const controller = new AbortController();
  try {
    const running = runLocust(locust!, { plan: helloPlan(target.url), durationSeconds: 600, usersPerWorker: 2, localWorkers: 2, remoteWorkers: 0, signal: controller.signal });
    const mine = (): number[] => processesWith('wsb-locust-').filter((pid) => !before.has(pid));
    assert.ok(await eventually(() => mine().length >= 3, 60_000), 'a master and two workers are running');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    controller.abort(new DOMException('test abort', 'AbortError'));
    await assert.rejects(running, (error: Error) => error.name === 'AbortError');
    assert.deepEqual(mine(), [], 'no Locust process survives the abort');
  } finally {
    await target.front.close();
  }
});
