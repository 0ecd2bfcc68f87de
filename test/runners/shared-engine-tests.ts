/**
 * The behaviours every in-process engine runner (Wasmtime host, wazero host)
 * must show, written once and registered per runner by its own test files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWorkload, responseMismatch } from '../../fixtures/manifest.ts';
import { helloVariant } from '../../fixtures/variants.ts';
import { BenchError } from '../../core/errors.ts';
import type { HostRunner } from '../../runners/host-runner.ts';
import { parseAnswer } from '../../suites/isolation/probes.ts';
import { GET_ROOT, loopWorkload, readHostFileWorkload, skipUnlessAvailable } from './engine-fixtures.ts';

/** hello, echo and cpu answer the manifest's expected response, cold (every configuration) and warm. */
export async function cannedAnswersTest(runner: HostRunner): Promise<void> {
  const skip = await skipUnlessAvailable(runner);
  test(`${runner.name} answers the canned requests of hello, echo and cpu, cold and warm`, { skip }, async () => {
    for (const config of runner.configurations) {
      for (const lifecycle of runner.lifecycles) {
        for (const name of ['hello', 'echo', 'cpu']) {
          const workload = loadWorkload(name);
          const cell = await runner.open({ workload, lifecycle, config });
          try {
            for (const canned of workload.requests) {
              // Twice: a fresh instance (cold) or the same instance (warm) must answer again.
              for (let i = 0; i < 2; i++) {
                const result = await cell.invoke(canned.request);
                assert.equal(responseMismatch(canned.expected, result.response), null, `${config}/${lifecycle}/${name}/${canned.name}`);
                assert.ok(result.invokeNs > 0);
                if (lifecycle === 'cold') assert.ok(result.instantiateNs !== null && result.instantiateNs > 0 && result.instantiateNs <= result.invokeNs);
              }
            }
          } finally {
            await cell.close();
          }
        }
      }
    }
  });
}

/** A deadline stops an infinite loop; the host survives and serves the next app. */
export async function deadlineTest(runner: HostRunner): Promise<void> {
  const skip = await skipUnlessAvailable(runner);
  test(`${runner.name} stops an infinite loop at the deadline and keeps serving`, { skip }, async () => {
    const loop = loopWorkload();
    const fs = await import('node:fs');
    const hello = helloVariant(7);
    const cell = await runner.openApps({ apps: [{ id: 'loop', bytes: fs.readFileSync(loop.wasmPath) }, { id: 'hello-7', bytes: hello.bytes }], deadlineMs: 300 });
    try {
      await assert.rejects(cell.invoke(0, GET_ROOT), (error: unknown) => error instanceof BenchError && error.kind === 'guest' && /deadline/.test(error.message));
      const answer = await cell.invoke(1, { ...GET_ROOT, path: '/hello' });
      assert.equal(responseMismatch(hello.expected, answer.response), null);
    } finally {
      await cell.close();
    }
  });

  test(`${runner.name} stops an infinite loop in a warm instance and starts a new one`, { skip }, async () => {
    const cell = await runner.open({ workload: loopWorkload(), lifecycle: 'warm', deadlineMs: 300 });
    try {
      await assert.rejects(cell.invoke(GET_ROOT), (error: unknown) => error instanceof BenchError && /deadline/.test(error.message));
      await assert.rejects(cell.invoke(GET_ROOT), (error: unknown) => error instanceof BenchError && /deadline/.test(error.message));
    } finally {
      await cell.close();
    }
  });
}

/** Without a grant the guest cannot open a host file; with one it can (so the probe can tell). */
export async function noGrantTest(runner: HostRunner): Promise<void> {
  const skip = await skipUnlessAvailable(runner);
  test(`${runner.name} gives no file access without a grant`, { skip }, async () => {
    const workload = readHostFileWorkload();
    const outcome = async (dirs: { hostPath: string; guestPath: string }[]): Promise<string | undefined> => {
      const cell = await runner.open({ workload, lifecycle: 'cold', dirs });
      try {
        return parseAnswer((await cell.invoke(GET_ROOT)).response.body)?.outcome;
      } finally {
        await cell.close();
      }
    };
    assert.equal(await outcome([]), 'blocked');
    assert.equal(await outcome([{ hostPath: '/etc', guestPath: '/etc' }]), 'succeeded');
  });
}
