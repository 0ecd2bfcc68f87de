import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasProc, processAlive } from '../../../core/proc.ts';
import { BenchError } from '../../../core/errors.ts';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { nativeToolchain, runCommand } from '../../../fixtures/native.ts';
import { createProcessRunner, type ProcessCell } from '../../../runners/process/runner.ts';
import type { NativeBinarySource } from '../../../runners/process/native-binary.ts';
import type { Lifecycle, Runner, WorkloadRequest } from '../../../runners/types.ts';

const toolchain = await nativeToolchain('glibc-static');
const LIFECYCLES: readonly Lifecycle[] = ['cold', 'prewarmed', 'warm'];

/**
 * Every process on this machine that a test's guests started: its command
 * line or working directory lies in the test's folder, or its environment
 * holds the test's marker (a fork of a guest inherits all three). Read from
 * /proc, so a process the cell never tracked is found too.
 */
function survivors(folder: string, marker: string): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const environ = fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const cwd = fs.readlinkSync(`/proc/${name}/cwd`);
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1];
      // A zombie has ended; it waits only for its parent to read its status.
      if (state === 'Z') continue;
      if (cmdline.includes(folder) || cwd.startsWith(folder) || environ.includes(marker)) found.push(`${name} (${cmdline.trim()}, cwd ${cwd})`);
    } catch {
      // Gone while looking, or not ours to read.
    }
  }
  return found;
}

/** Waits a little for the kernel to finish killing, then lists what is left. */
async function survivorsAfterSettling(folder: string, marker: string): Promise<string[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if (!survivors(folder, marker).length) return [];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return survivors(folder, marker);
}

/** A program that forks a grandchild that never ends, reads its input and never answers: the worst guest. */
async function silentBinary(dir: string): Promise<NativeBinarySource> {
  fs.writeFileSync(
    path.join(dir, 'silent.c'),
    '#include <unistd.h>\nint main(void) { char b[64]; if (fork() == 0) for (;;) pause(); while (read(0, b, sizeof b) > 0) {} for (;;) pause(); }\n',
  );
  const out = await runCommand('cc', ['-static', '-O2', '-o', 'silent', 'silent.c'], { cwd: dir });
  assert.equal(out.exitCode, 0, out.stderr);
  const binaryPath = path.join(dir, 'silent');
  return async () => ({ path: binaryPath, bytes: fs.statSync(binaryPath).size, flavour: 'glibc-static', linkage: 'static', libc: 'glibc', compiler: 'cc' });
}

/** Deadline, then abort, then close, in every lifecycle: every process any guest started is gone after each cell. */
async function checkEveryLifecycle(runner: Runner, request: WorkloadRequest, workloadName: string, folder: string): Promise<void> {
  const workload = loadWorkload(workloadName);
  for (const lifecycle of LIFECYCLES) {
    const marker = `WSB_TEST_MARKER=${randomUUID()}`;
    const [key, value] = marker.split('=') as [string, string];
    const workDir = fs.mkdtempSync(path.join(folder, `work-${lifecycle}-`));
    const cell = (await runner.open({ workload, lifecycle, poolSize: 1, deadlineMs: 300, env: { [key]: value }, workDir })) as ProcessCell;
    const started = cell.pids();
    await assert.rejects(cell.invoke(request), (error: unknown) => error instanceof BenchError && error.kind === 'guest' && /no response within 300 ms/.test(error.message), lifecycle);
    const controller = new AbortController();
    const pending = cell.invoke(request, controller.signal);
    setTimeout(() => controller.abort(new DOMException('test abort', 'AbortError')), 100);
    await assert.rejects(pending, { name: 'AbortError' }, lifecycle);
    const held = [...started, ...cell.pids()];
    await cell.close();
    assert.deepEqual(await survivorsAfterSettling(folder, marker), [], `${runner.name} ${lifecycle}: processes left after close`);
    assert.deepEqual(held.filter(processAlive), [], `${runner.name} ${lifecycle}: tracked processes left after close`);
    assert.ok(fs.existsSync(workDir), 'a working directory the caller named is the caller\'s to remove');
  }
}

const noProc = hasProc() ? false : 'no /proc to look for survivors in';

test('a native guest that forks and never answers is killed with its whole tree at the deadline, on abort and on close, in every lifecycle', { skip: toolchain.available ? noProc : toolchain.reason }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-silent-'));
  try {
    const runner = createProcessRunner({ nativeBinary: await silentBinary(folder) });
    await checkEveryLifecycle(runner, loadWorkload('hello').requests[0]!.request, 'hello', folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});

test('a Node guest that computes past its deadline is killed at the deadline, on abort and on close, in every lifecycle', { skip: noProc }, async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-busy-node-'));
  try {
    // 1 GiB of hashing input: far longer than the 300 ms deadline.
    const request = { ...cannedRequest(loadWorkload('cpu')).request, query: 'kib=1048576' };
    await checkEveryLifecycle(createProcessRunner({ flavour: 'node' }), request, 'cpu', folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
});
