/**
 * Compactness: each workload's `.wasm` size beside the native builds of the
 * same source (musl static, glibc static, glibc dynamic alone and with the
 * shared libraries it loads) and the container image (default profile, built
 * from the musl binary where musl-gcc exists). Native binaries and images are
 * recorded as bound to the OS and architecture they were built for; whatever
 * cannot be built here is a `not-run` outcome with the reason.
 */
import fs from 'node:fs';
import { toBenchError } from '../../core/errors.ts';
import { currentPlatform } from '../../core/portability-verdict.ts';
import { valueRow, type CellKey, type Measurement, type Outcome } from '../../core/results.ts';
import { responseMismatch, sha256Hex, type Workload } from '../../fixtures/manifest.ts';
import { LIBRARY_RESOLUTION, NATIVE_FLAVOURS, nativeBuild, runNativeCgi, sharedLibraries, type NativeBuild } from '../../fixtures/native.ts';
import type { Runner, WorkloadResponse } from '../../runners/types.ts';
import { outputDigest } from './engines.ts';

/** The container runner to size images with, or why there is none. */
export type ImageSource = { status: 'available'; runner: Runner } | { status: 'unavailable'; reason: string };

/** What the compactness part needs. */
export interface CompactnessInput {
  workloads: readonly Workload[];
  images: ImageSource;
  signal: AbortSignal;
  progress(message: string): void;
}

/** Rows of the compactness part: sizes and the platform-bound records. */
export interface CompactnessRows {
  measurements: Measurement[];
  outcomes: Outcome[];
}

/** The container profile whose image is sized (images do not differ by profile). */
export const IMAGE_CONFIG = 'profile=default';

/** Runner of the size row of a dynamic build together with the shared libraries it loads. */
export const WITH_LIBRARIES_SUFFIX = '+libs';

/** Docker's name of this machine's architecture. */
function dockerArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/** Measures every workload's artifacts and returns the rows. */
export async function runCompactness(input: CompactnessInput): Promise<CompactnessRows> {
  const { signal, progress } = input;
  const platform = currentPlatform();
  const measurements: Measurement[] = [];
  const outcomes: Outcome[] = [];
  const sizeKey = (workload: string, runner: string, config: string): CellKey => ({ suite: 'portability', runner, config, lifecycle: '-', workload, phase: 'size', metric: 'artifact-bytes', unit: 'bytes' });
  const bound = (workload: string, runner: string, outcome: string, detail: string): Outcome => ({
    suite: 'portability', runner, config: `platform=${platform}`, lifecycle: '-', workload, subject: `${workload} (${runner})`, condition: `platform=${platform}`, outcome, detail,
  });

  for (const workload of input.workloads) {
    signal.throwIfAborted();
    // The .wasm is the same file on every platform: its size row carries no platform.
    const wasmBytes = fs.statSync(workload.wasmPath).size;
    measurements.push(valueRow(sizeKey(workload.name, 'wasm', 'default'), wasmBytes));
    const sizes = [`wasm ${kib(wasmBytes)}`];

    for (const flavour of NATIVE_FLAVOURS) {
      const runner = `native-${flavour}`;
      let build: NativeBuild;
      try {
        build = await nativeBuild(workload, flavour, signal);
      } catch (thrown) {
        if (signal.aborted) throw thrown;
        const reason = toBenchError(thrown).message;
        outcomes.push(bound(workload.name, runner, 'not-run', `no ${flavour} native build here: ${reason}`));
        sizes.push(`${runner} not-run`);
        continue;
      }
      // Why the C library in the config: the row itself says which build it is.
      const config = `platform=${platform},libc=${build.libc}`;
      measurements.push(valueRow(sizeKey(workload.name, runner, config), build.bytes));
      sizes.push(`${runner} ${kib(build.bytes)}`);
      const ran = await runNatively(build, workload, signal);
      const needs = build.linkage === 'dynamic' ? ` with ${build.libc} (or a newer compatible one) installed` : '';
      outcomes.push(bound(workload.name, runner, 'platform-bound',
        `binary sha256 ${sha256Hex(fs.readFileSync(build.path))}; built by ${build.compiler} against ${build.libc}, ${build.linkage === 'static' ? 'statically' : 'dynamically'} linked, for ${platform}: runs only on ${platform}${needs}, rebuilt for any other OS or architecture; ${ran}`));
      if (build.linkage === 'dynamic') {
        const withLibraries = `${runner}${WITH_LIBRARIES_SUFFIX}`;
        try {
          const libraries = await sharedLibraries(build.path, signal);
          const total = build.bytes + libraries.reduce((sum, library) => sum + library.bytes, 0);
          measurements.push(valueRow(sizeKey(workload.name, withLibraries, `${config},libraries=${LIBRARY_RESOLUTION}`), total));
          sizes.push(`${withLibraries} ${kib(total)}`);
          outcomes.push(bound(workload.name, withLibraries, 'platform-bound',
            `the ${runner} binary (${build.bytes} bytes) plus the shared libraries it loads here, as ${LIBRARY_RESOLUTION} resolves them (vDSO left out): ${libraries.map((library) => `${library.name} -> ${library.path} (${library.bytes} bytes)`).join(', ')}`));
        } catch (thrown) {
          if (signal.aborted) throw thrown;
          outcomes.push(bound(workload.name, withLibraries, 'not-run', `shared libraries not resolved: ${toBenchError(thrown).message}`));
          sizes.push(`${withLibraries} not-run`);
        }
      }
    }

    if (input.images.status === 'unavailable') {
      outcomes.push(bound(workload.name, 'container-image', 'not-run', `no container image here: ${input.images.reason}`));
      sizes.push('container-image not-run');
    } else {
      try {
        const prepared = await input.images.runner.prepare(workload, IMAGE_CONFIG, signal);
        const binary = prepared.builtFrom ?? 'unknown';
        measurements.push(valueRow(sizeKey(workload.name, 'container-image', `platform=${platform},binary=native-${binary}`), prepared.artifactBytes));
        sizes.push(`container-image (${binary}) ${kib(prepared.artifactBytes)}`);
        outcomes.push(bound(workload.name, 'container-image', 'platform-bound',
          `${prepared.detail.split(';')[0]}: holds the static ${platform} binary (${binary}), so it runs only on a linux/${dockerArch()} Docker engine (elsewhere only under emulation or after a rebuild)`));
      } catch (thrown) {
        if (signal.aborted) throw thrown;
        const reason = toBenchError(thrown).message;
        outcomes.push(bound(workload.name, 'container-image', 'not-run', `no container image here: ${reason}`));
        sizes.push('container-image not-run');
      }
    }
    progress(`${workload.name} sizes: ${sizes.join(', ')}`);
  }
  return { measurements, outcomes };
}

/** Runs the native binary on the canned requests: one line on whether it answered like the `.wasm`. */
async function runNatively(build: NativeBuild, workload: Workload, signal: AbortSignal): Promise<string> {
  const responses: { name: string; response: WorkloadResponse }[] = [];
  const differences: string[] = [];
  try {
    for (const canned of workload.requests) {
      const response = await runNativeCgi(build.path, canned.request, signal);
      responses.push({ name: canned.name, response });
      const mismatch = responseMismatch(canned.expected, response);
      if (mismatch) differences.push(`${canned.name}: ${mismatch}`);
    }
  } catch (thrown) {
    if (signal.aborted) throw thrown;
    return `failed to run here: ${toBenchError(thrown).message}`;
  }
  const digest = `output sha256 ${outputDigest(responses)}`;
  return differences.length ? `${digest}; differs from the manifest: ${differences.join('; ')}` : `${digest}; ${responses.length}/${responses.length} requests match the manifest here`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
