import { test } from 'node:test';
import assert from 'node:assert/strict';
import Docker from 'dockerode';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { createContainerRunner, type ContainerCell } from '../../../runners/container/runner.ts';
import { RUN_ID } from '../../../runners/container/cleanup.ts';
import { nativeToolchain } from '../../../fixtures/native.ts';
import { engineSkipReason } from './engine.ts';

const skip = await engineSkipReason();

test('the container runner answers as the manifest expects in every lifecycle and pre-warm variant, from a FROM scratch image', { skip }, async () => {
  const runner = createContainerRunner();
  const availability = await runner.availability();
  assert.equal(availability.status, 'available', availability.status === 'unavailable' ? availability.reason : '');
  assert.match((await runner.engineVersion()) ?? '', /^\d+\.\d+/);
  const echo = loadWorkload('echo');
  const canned = cannedRequest(echo, 'post-json');
  const preparation = await runner.prepare(echo, 'profile=default');
  assert.ok(preparation.artifactBytes > 0);
  // The image holds the musl static build where musl-gcc links here, else the glibc static one, and says which.
  assert.equal(preparation.builtFrom, (await nativeToolchain('musl-static')).available ? 'musl-static' : 'glibc-static');
  assert.match(preparation.detail, new RegExp(`of the ${preparation.builtFrom} native binary`));
  const again = await runner.prepare(echo, 'profile=default');
  assert.equal(again.firstLoadNs, 0, 'the image is rebuilt only when the binary changes');
  assert.equal(again.artifactBytes, preparation.artifactBytes);

  const cells: Array<{ lifecycle: 'cold' | 'prewarmed' | 'warm'; config: string; requests: number }> = [
    { lifecycle: 'cold', config: 'profile=default', requests: 1 },
    { lifecycle: 'prewarmed', config: 'profile=default', requests: 2 },
    { lifecycle: 'prewarmed', config: 'profile=default,prewarm=created', requests: 1 },
    { lifecycle: 'warm', config: 'profile=default', requests: 3 },
  ];
  for (const spec of cells) {
    const cell = (await runner.open({ workload: echo, lifecycle: spec.lifecycle, config: spec.config, poolSize: 1 })) as ContainerCell;
    try {
      for (let i = 0; i < spec.requests; i++) {
        const result = await cell.invoke(canned.request);
        assert.equal(responseMismatch(canned.expected, result.response), null, `${spec.lifecycle} ${spec.config}`);
        const startedOnRequest = spec.lifecycle === 'cold' || spec.config.includes('prewarm=created');
        if (startedOnRequest) assert.ok(result.instantiateNs !== null && result.instantiateNs > 0 && result.instantiateNs <= result.invokeNs);
        else assert.equal(result.instantiateNs, null);
        assert.equal(result.exitCode, spec.lifecycle === 'warm' ? null : 0);
      }
    } finally {
      await cell.close();
    }
  }
  const docker = new Docker();
  assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`wsb.run=${RUN_ID}`] } }), []);
});

test('the hardened profile is applied to the real container and recorded on the cell', { skip }, async () => {
  const runner = createContainerRunner();
  const hello = loadWorkload('hello');
  const cell = (await runner.open({ workload: hello, lifecycle: 'warm', config: 'profile=hardened', maxMemoryMib: 64 })) as ContainerCell;
  try {
    const canned = cannedRequest(hello);
    assert.equal(responseMismatch(canned.expected, (await cell.invoke(canned.request)).response), null);
    assert.equal(cell.config, 'profile=hardened');
    assert.deepEqual(cell.isolation, {
      profile: 'hardened',
      networkMode: 'none',
      readonlyRootfs: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges'],
      memoryBytes: 64 * 1024 * 1024,
      pidsLimit: 16,
      user: '65534:65534',
    });
    const [id] = cell.containerIds();
    assert.ok(id);
    const inspected = await new Docker().getContainer(id).inspect();
    assert.equal(inspected.HostConfig.NetworkMode, 'none');
    assert.equal(inspected.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(inspected.HostConfig.CapDrop, ['ALL']);
    assert.deepEqual(inspected.HostConfig.SecurityOpt, ['no-new-privileges']);
    assert.equal(inspected.HostConfig.Memory, 64 * 1024 * 1024);
    assert.equal(inspected.HostConfig.PidsLimit, 16);
    assert.equal(inspected.Config.User, '65534:65534');
    assert.equal(inspected.Config.Labels['wsb'], '1');
    assert.equal(inspected.Config.Labels['wsb.run'], RUN_ID);
    const cost = await cell.idleCost?.();
    assert.equal(cost?.slots, 1);
    assert.ok((cost?.rssBytes ?? 0) > 0);
  } finally {
    await cell.close();
  }
  assert.deepEqual(cell.containerIds().length, 1);
  await assert.rejects(new Docker().getContainer(cell.containerIds()[0]!).inspect(), { statusCode: 404 });
});
