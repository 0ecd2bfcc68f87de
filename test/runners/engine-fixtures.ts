/**
 * Test helper for the external engine runners: tiny modules built on the fly
 * (an infinite loop with wat2wasm, a host-file reader with clang) wrapped as
 * workloads, and the rule for a missing engine (skipped on a developer's
 * machine, a failure in CI where scripts/setup.sh installs the engines).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Workload } from '../../fixtures/manifest.ts';
import type { Runner } from '../../runners/types.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-engine-test-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

function asWorkload(name: string, wasmPath: string): Workload {
  return { name, kind: 'probe', sourcePath: '', wasmPath, sha256: '', bytes: fs.statSync(wasmPath).size, requests: [] };
}

/** A module whose `_start` never returns. */
export function loopWorkload(): Workload {
  const wat = path.join(dir, 'loop.wat');
  const wasm = path.join(dir, 'loop.wasm');
  fs.writeFileSync(wat, '(module (memory (export "memory") 1) (func (export "_start") (loop $forever (br $forever))))\n');
  execFileSync('wat2wasm', [wat, '-o', wasm]);
  return asWorkload('loop', wasm);
}

/** A WASI module that tries to read /etc/passwd and answers `opened` or `denied errno=N`. */
export function readHostFileWorkload(): Workload {
  const source = path.join(dir, 'read-passwd.c');
  const wasm = path.join(dir, 'read-passwd.wasm');
  fs.writeFileSync(
    source,
    [
      '#include <errno.h>',
      '#include <stdio.h>',
      'int main(void) {',
      '  FILE *file = fopen("/etc/passwd", "r");',
      '  if (file) { char line[64]; int got = fgets(line, sizeof line, file) != NULL; printf("status: 200\\n\\nopened %s\\n", got ? "read" : "empty"); }',
      '  else printf("status: 200\\n\\ndenied errno=%d\\n", errno);',
      '  return 0;',
      '}',
      '',
    ].join('\n'),
  );
  execFileSync('clang', ['--target=wasm32-wasi', '--sysroot=/usr', '-O2', source, '-o', wasm]);
  return asWorkload('read-passwd', wasm);
}

/** `skip` option for a runner's tests: a reason when the engine is missing outside CI, false otherwise (CI must have it). */
export async function skipUnlessAvailable(runner: Runner): Promise<string | false> {
  const availability = await runner.availability();
  if (availability.status === 'available' || process.env['CI']) return false;
  return `${runner.name} unavailable: ${availability.reason}`;
}

/** A GET request with no body. */
export const GET_ROOT = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array(0) };
