/**
 * Shared by the container tests: whether the Docker engine answers. Without
 * one the tests are skipped with the reason, except under CI (`CI` set),
 * where .ci/run starts the engine and its absence is a failure.
 */
import { checkEngine, engineAddress } from '../../../runners/container/engine.ts';

/** The skip reason for container tests, or false when the engine answers. */
export async function engineSkipReason(): Promise<string | false> {
  try {
    await checkEngine(engineAddress());
    return false;
  } catch (error) {
    if (process.env['CI']) return false;
    return `no Docker engine: ${error instanceof Error ? error.message : String(error)}`;
  }
}
