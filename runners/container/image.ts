/**
 * Workload images, built locally `FROM scratch` with a static native binary
 * (the musl build where `musl-gcc` exists: runners/process/native-binary.ts;
 * nothing is pulled), tagged with the binary's digest so that an image is
 * rebuilt only when the binary changes.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { nowNs } from '../../core/clock.ts';
import { BenchError } from '../../core/errors.ts';
import type { NativeBinary } from '../process/native-binary.ts';
import { SUITE_LABEL } from './cleanup.ts';

/** A workload image ready to run. */
export interface WorkloadImage {
  tag: string;
  /** Image size as the engine reports it, bytes. */
  sizeBytes: number;
  /** Build time, ns (0 when the image was already there). */
  buildNs: number;
  cached: boolean;
  /** The native build inside (`musl-static` or `glibc-static`). */
  binaryFlavour: NativeBinary['flavour'];
  /** The C library of that build (`musl 1.2.3`). */
  binaryLibc: string;
}

/** Path of the binary inside the image. */
export const IMAGE_ENTRYPOINT = '/workload';

/** The Dockerfile of every workload image. */
export const DOCKERFILE = `FROM scratch\nCOPY workload ${IMAGE_ENTRYPOINT}\nENTRYPOINT ["${IMAGE_ENTRYPOINT}"]\n`;

/** Tag of a workload's image: the workload name and the first 16 hex digits of sha256(binary + Dockerfile). */
export function imageTag(workload: string, binaryBytes: Uint8Array): string {
  const digest = createHash('sha256').update(binaryBytes).update(DOCKERFILE).digest('hex');
  return `wsb-${workload.toLowerCase().replace(/[^a-z0-9_.-]/g, '-')}:${digest.slice(0, 16)}`;
}

/** The build context: the Dockerfile and the binary, as a tar stream. */
function buildContext(binaryBytes: Uint8Array): tar.Pack {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644 }, DOCKERFILE);
  pack.entry({ name: 'workload', mode: 0o755 }, Buffer.from(binaryBytes));
  pack.finalize();
  return pack;
}

/** Returns the workload's image, building it when no image has the binary's digest. */
export async function ensureImage(docker: Docker, workload: string, binary: NativeBinary, signal?: AbortSignal): Promise<WorkloadImage> {
  if (binary.linkage !== 'static') throw new BenchError('unavailable', `a FROM scratch image needs a static binary; ${binary.path} is ${binary.linkage}`);
  const binaryBytes = fs.readFileSync(binary.path);
  const tag = imageTag(workload, binaryBytes);
  const existing = await inspectImage(docker, tag);
  const inside = { binaryFlavour: binary.flavour, binaryLibc: binary.libc };
  if (existing) return { tag, sizeBytes: existing.Size, buildNs: 0, cached: true, ...inside };
  const startNs = nowNs();
  const output = await docker.buildImage(buildContext(binaryBytes) as unknown as NodeJS.ReadableStream, {
    t: tag,
    labels: { [SUITE_LABEL]: '1', 'wsb.workload': workload },
    rm: true,
    forcerm: true,
    abortSignal: signal,
  });
  const events = await new Promise<Array<{ error?: string; errorDetail?: { message?: string } }>>((resolve, reject) => {
    docker.modem.followProgress(output, (error: Error | null, result: Array<{ error?: string }>) => (error ? reject(error) : resolve(result)));
  });
  const failure = events.find((event) => event.error);
  if (failure) throw new BenchError('internal', `image build of ${tag} failed: ${failure.errorDetail?.message ?? failure.error}`);
  const buildNs = nowNs() - startNs;
  const built = await inspectImage(docker, tag);
  if (!built) throw new BenchError('internal', `image build of ${tag} reported success but the image is missing`);
  return { tag, sizeBytes: built.Size, buildNs, cached: false, ...inside };
}

async function inspectImage(docker: Docker, tag: string): Promise<Docker.ImageInspectInfo | null> {
  try {
    return await docker.getImage(tag).inspect();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return null;
    throw error;
  }
}
