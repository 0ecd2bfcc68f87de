import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processAlive } from '../../../core/proc.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchError } from '../../../core/errors.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { nativeToolchain, runCommand } from '../../../fixtures/native.ts';
import { createProcessRunner, type ProcessCell } from '../../../runners/process/runner.ts';
import type { NativeBinarySource } from '../../../runners/process/native-binary.ts';
import type { Lifecycle } from '../../../runners/types.ts';

const toolchain = await nativeToolchain('glibc-static');

/** A program that reads its input and never answers: the worst guest. */
async function silentBinary(): Promise<NativeBinarySource> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-silent-'));
  fs.writeFileSync(path.join(dir, 'silent.c'), '#include <unistd.h>\nint main(void) { char b[64]; while (read(0, b, sizeof b) > 0) {} for (;;) pause(); }\n');
  const out = await runCommand('cc', ['-static', '-O2', '-o', 'silent', 'silent.c'], { cwd: dir });
  assert.equal(out.exitCode, 0, out.stderr);
  const binaryPath = path.join(dir, 'silent');
  return async () => ({ path: binaryPath, bytes: fs.statSync(binaryPath).size, flavour: 'glibc-static', linkage: 'static', libc: 'glibc', compiler: 'cc' });
}

test('a guest that never answers is killed at the deadline (guest error) or on abort, in every lifecycle, and no process is left', { skip: toolchain.available ? false : toolchain.reason }, async () => {
  const runner = createProcessRunner({ nativeBinary: await silentBinary() });
  const workload = loadWorkload('hello');
  const request = workload.requests[0]!.request;
  for (const lifecycle of ['cold', 'prewarmed', 'warm'] as Lifecycle[]) {
    const cell = (await runner.open({ workload, lifecycle, poolSize: 1, deadlineMs: 300 })) as ProcessCell;
    const started = cell.pids();
    await assert.rejects(cell.invoke(request), (error: unknown) => error instanceof BenchError && error.kind === 'guest' && /no response within 300 ms/.test(error.message), lifecycle);
    const controller = new AbortController();
    const pending = cell.invoke(request, controller.signal);
    setTimeout(() => controller.abort(new DOMException('test abort', 'AbortError')), 100);
    await assert.rejects(pending, { name: 'AbortError' }, lifecycle);
    const held = [...started, ...cell.pids()];
    await cell.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(held.filter(processAlive), [], `${lifecycle}: processes left after close`);
  }
});
