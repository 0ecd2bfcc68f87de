/**
 * One density step for a many-apps runner, in a process of its own: load N
 * distinct apps, measure the memory they hold and the latency of requests
 * spread uniformly over them, print the figures as one JSON line. Why a fresh
 * process per step: the apps of the previous step, freed or not yet
 * collected, would otherwise blur this step's resident-memory growth.
 *
 * Run as `node --expose-gc apps-step.ts '<json AppsStepSpec>'`.
 */
import { nowNs } from '../../core/clock.ts';
import { availableMemoryBytes } from '../../core/proc.ts';
import { seededRandom, summarize, type Summary } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, responseMismatch } from '../../fixtures/manifest.ts';
import { helloVariant } from '../../fixtures/variants.ts';
import { resolveRunners } from '../../runners/index.ts';
import { isMultiAppRunner } from '../../runners/types.ts';

/** What one step loads and sends. */
export interface AppsStepSpec {
  runner: string;
  config: string;
  count: number;
  requests: number;
}

/** What one step measured. */
export interface AppsStepResult {
  /** Resident memory the apps hold: the engine host's whole RSS, or this process's RSS growth. */
  residentBytes: number;
  /** How `residentBytes` was read. */
  residentMethod: string;
  availableDropBytes: number;
  loadNs: number;
  /** Time to serve every app once (in order) before memory is read, ns. */
  firstServeNs: number;
  latency: Summary;
}

/** Sends `requests` requests spread uniformly (seeded) over `apps` apps, one at a time; each round trip in ns. */
export async function serveUniformly(apps: number, requests: number, send: (index: number) => Promise<void>): Promise<number[]> {
  const random = seededRandom(apps);
  const latencies: number[] = [];
  for (let i = 0; i < requests; i++) {
    const index = Math.floor(random() * apps);
    const startNs = nowNs();
    await send(index);
    latencies.push(nowNs() - startNs);
  }
  return latencies;
}

async function runStep(spec: AppsStepSpec): Promise<AppsStepResult> {
  const [runner] = resolveRunners([spec.runner]);
  if (!runner || !isMultiAppRunner(runner)) throw new Error(`runner ${spec.runner} cannot host many apps in one cell`);
  const request = cannedRequest(loadWorkload('hello')).request;
  const variants = Array.from({ length: spec.count }, (_, id) => helloVariant(id));
  const expected = variants.map((variant) => variant.expected);
  let apps: { id: string; bytes: Uint8Array }[] | null = variants.map((variant, id) => ({ id: String(id), bytes: variant.bytes }));
  variants.length = 0;
  const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  collect();
  const rssBefore = process.memoryUsage().rss;
  const availableBefore = await availableMemoryBytes();
  const startNs = nowNs();
  const cell = await runner.openApps({ apps, config: spec.config });
  const loadNs = nowNs() - startNs;
  apps = null;
  try {
    const check = async (index: number): Promise<void> => {
      const result = await cell.invoke(index, request);
      const mismatch = responseMismatch(expected[index]!, result.response);
      if (mismatch) throw new Error(`app ${index} answered wrongly: ${mismatch}`);
    };
    // Why serve every app once before reading memory: V8 compiles lazily, so an app that never ran holds less than one that serves.
    const firstServeStartNs = nowNs();
    for (let index = 0; index < spec.count; index++) await check(index);
    const firstServeNs = nowNs() - firstServeStartNs;
    collect();
    const residentBytes = cell.residentBytes ? await cell.residentBytes() : process.memoryUsage().rss - rssBefore;
    const residentMethod = cell.residentBytes
      ? 'RSS of the engine host process (its baseline included), after every app served once'
      : 'RSS growth of the process holding the apps, after every app served once and a full GC';
    const availableDropBytes = availableBefore - (await availableMemoryBytes());
    const latencies = await serveUniformly(spec.count, spec.requests, check);
    return { residentBytes, residentMethod, availableDropBytes, loadNs, firstServeNs, latency: summarize(latencies) };
  } finally {
    await cell.close();
  }
}

if (import.meta.main) {
  runStep(JSON.parse(process.argv[2] ?? '{}') as AppsStepSpec).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message.split('\n')[0] : String(error) })}\n`);
      process.exit(1);
    },
  );
}
