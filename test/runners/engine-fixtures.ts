/**
 * Test helper for the external engine runners: the committed modules they
 * are tested on (no tool builds anything at test time), and the rule for a
 * missing engine (skipped on a developer's machine, a failure in CI where
 * scripts/setup.sh installs the engines).
 */
import { loadWorkload, type Workload } from '../../fixtures/manifest.ts';
import type { Runner } from '../../runners/types.ts';

/** A module that never answers: the committed `infinite-loop` probe (reads its request, then spins). */
export function loopWorkload(): Workload {
  return loadWorkload('infinite-loop');
}

/** A WASI module that tries to read /etc/passwd (its default path) and answers `blocked` or `succeeded`: the committed `read-host-file` probe. */
export function readHostFileWorkload(): Workload {
  return loadWorkload('read-host-file');
}

/** `skip` option for a runner's tests: a reason when the engine is missing outside CI, false otherwise (CI must have it). */
export async function skipUnlessAvailable(runner: Runner): Promise<string | false> {
  const availability = await runner.availability();
  if (availability.status === 'available' || process.env['CI']) return false;
  return `${runner.name} unavailable: ${availability.reason}`;
}

/** A GET request with no body. */
export const GET_ROOT = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array(0) };
