/**
 * Where the process and container runners get the native build of a
 * workload: fixtures/native.ts builds it. The process runner runs the glibc
 * static build (glibc's allocator is the faster one, so the near-native
 * baseline is not slowed by the C library); the container image holds the
 * musl static build, the smallest self-contained binary of the same source,
 * and falls back to the glibc static build where `musl-gcc` is missing. Tests
 * and other hosts can pass their own source.
 */
import type { Workload } from '../../fixtures/manifest.ts';
import { nativeBuild, nativeToolchain, type NativeBuild } from '../../fixtures/native.ts';

/** A native build of a workload (fixtures/native.ts). */
export type NativeBinary = NativeBuild;

/** Builds (or finds in the cache) a static native binary of a workload; throws BenchError('unavailable') without a compiler. */
export type NativeBinarySource = (workload: Workload, signal?: AbortSignal) => Promise<NativeBinary>;

/** The process runner's builds: glibc, static linkage. */
export const fixturesNativeBinary: NativeBinarySource = (workload, signal) => nativeBuild(workload, 'glibc-static', signal);

/**
 * The container image's builds: musl static where `musl-gcc` links here,
 * else glibc static (the build's `flavour` says which one it is).
 */
export const imageNativeBinary: NativeBinarySource = async (workload, signal) =>
  nativeBuild(workload, (await nativeToolchain('musl-static')).available ? 'musl-static' : 'glibc-static', signal);
