/**
 * Where the process and container runners get the native build of a
 * workload: fixtures/native.ts builds it (static, so the same file runs in a
 * `FROM scratch` image). Tests and other hosts can pass their own source.
 */
import type { Workload } from '../../fixtures/manifest.ts';
import { nativeBuild, type NativeBuild } from '../../fixtures/native.ts';

/** A native build of a workload (fixtures/native.ts). */
export type NativeBinary = NativeBuild;

/** Builds (or finds in the cache) the static native binary of a workload; throws BenchError('unavailable') without a compiler. */
export type NativeBinarySource = (workload: Workload, signal?: AbortSignal) => Promise<NativeBinary>;

/** The suite's own native builds, static linkage. */
export const fixturesNativeBinary: NativeBinarySource = (workload, signal) => nativeBuild(workload, 'static', signal);
