import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { execa } from 'execa';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { nativeBuild } from '../../../fixtures/native.ts';
import { createContainerRunner } from '../../../runners/container/runner.ts';
import { RUN_ID, runLabels } from '../../../runners/container/cleanup.ts';
import { ensureImage } from '../../../runners/container/image.ts';
import { engineSkipReason } from './engine.ts';

const skip = await engineSkipReason();
const docker = new Docker();

async function containersLabelled(label: string): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [label] } })).map((info) => info.Id);
}

/** Polls until no container carries the label (cleanup is asynchronous), up to `maxMs`. */
async function waitUntilNone(label: string, maxMs = 15_000): Promise<string[]> {
  let left = await containersLabelled(label);
  for (let waitedMs = 0; left.length && waitedMs < maxMs; waitedMs += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = await containersLabelled(label);
  }
  return left;
}

test('aborting mid-run removes every container of the run, with no close called', { skip }, async () => {
  const runner = createContainerRunner();
  const hello = loadWorkload('hello');
  const controller = new AbortController();
  await runner.open({ workload: hello, lifecycle: 'warm' }, controller.signal);
  const pool = await runner.open({ workload: hello, lifecycle: 'prewarmed', poolSize: 2 }, controller.signal);
  assert.ok((await containersLabelled(`wsb.run=${RUN_ID}`)).length >= 3);
  const inFlight = pool.invoke(cannedRequest(hello).request, controller.signal);
  controller.abort(new DOMException('interrupted by SIGINT', 'AbortError'));
  await inFlight.catch(() => undefined);
  assert.deepEqual(await waitUntilNone(`wsb.run=${RUN_ID}`), []);
});

test('a process that exits with containers still live hands them to the reaper', { skip }, async () => {
  const script = `
    import { createContainerRunner } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../runners/container/runner.ts'))};
    import { loadWorkload } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../../fixtures/manifest.ts'))};
    await createContainerRunner().open({ workload: loadWorkload('hello'), lifecycle: 'warm' });
    process.stdout.write('open\\n');
    process.exit(0);
  `;
  const subprocess = execa(process.execPath, ['--input-type=module', '--eval', script], { reject: false });
  const child = await subprocess;
  assert.equal(child.exitCode, 0, String(child.stderr));
  assert.match(String(child.stdout), /open/);
  assert.deepEqual(await waitUntilNone(`wsb.pid=${subprocess.pid}`), []);
});

test('sweepLeftovers removes containers of dead runs of this host and leaves live runs alone', { skip }, async () => {
  const image = await ensureImage(docker, 'hello', await nativeBuild(loadWorkload('hello'), 'glibc-static'));
  const finished = execa('true');
  await finished;
  const deadPid = String(finished.pid);
  const create = (labels: Record<string, string>) => docker.createContainer({ Image: image.tag, Labels: labels, HostConfig: { NetworkMode: 'none' } });
  const crashed = await create({ ...runLabels(), 'wsb.run': 'crashed-run', 'wsb.pid': deadPid, 'wsb.host': os.hostname() });
  const live = await create({ ...runLabels(), 'wsb.run': 'live-run', 'wsb.pid': String(process.pid) });
  try {
    const removed = await createContainerRunner().sweepLeftovers();
    assert.ok(removed >= 1);
    await assert.rejects(crashed.inspect(), { statusCode: 404 });
    assert.equal((await live.inspect()).Id, live.id);
  } finally {
    await live.remove({ force: true });
    await crashed.remove({ force: true }).catch(() => undefined);
  }
});
