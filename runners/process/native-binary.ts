/**
 * Where the process and container runners get the native build of a
 * workload: fixtures/native.ts builds it (static, so the same file runs in a
 * `FROM scratch` image). Tests and other hosts can pass their own source.
 */
import type { Workload } from '../../fixtures/manifest.ts';
import { BenchError } from '../../core/errors.ts';

/** A native build of a workload. */
export interface NativeBinary {
  /** Absolute path of the executable. */
  path: string;
  bytes: number;
  linkage: 'static' | 'dynamic';
  /** Compiler and version that built it, one line. */
  compiler: string;
}

/** Builds (or finds in the cache) the static native binary of a workload; throws BenchError('unavailable') without a compiler. */
export type NativeBinarySource = (workload: Workload, signal?: AbortSignal) => Promise<NativeBinary>;

/** The suite's own native builds, from fixtures/native.ts, static linkage. */
export const fixturesNativeBinary: NativeBinarySource = async (workload, signal) => {
  // Resolved at run time: fixtures/native.ts lands on another branch; until then the runner reports it unavailable.
  const modulePath = '../../fixtures/native.ts';
  let native: { nativeBuild(workload: Workload, linkage: 'static', signal?: AbortSignal): Promise<NativeBinary> };
  try {
    native = await import(modulePath);
  } catch (error) {
    throw new BenchError('unavailable', 'native builds are not available (fixtures/native.ts missing)', { cause: error });
  }
  return native.nativeBuild(workload, 'static', signal);
};
