/**
 * Entry point of the front's own process. The primary forks one worker per
 * requested core (node:cluster shares the listening port between them); each
 * worker opens every route's cell and serves. The primary prints one JSON
 * line `{"port":N,"pids":[...]}` on stdout when every worker listens, and
 * shuts everything down (cells closed, containers removed) on SIGTERM, SIGINT
 * or when its stdin closes (its parent is gone).
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { loadWorkload } from '../../fixtures/manifest.ts';
import { resolveRunners } from '../../runners/index.ts';
import { helloVariant } from '../../fixtures/variants.ts';
import { isMultiAppRunner } from '../../runners/types.ts';
import { createFrontHandler, type FrontTarget } from './handler.ts';
import type { FrontSpec } from './spec.ts';

const spec = JSON.parse(process.env['WSB_FRONT_SPEC'] ?? '{}') as FrontSpec;

if (cluster.isPrimary) {
  await runPrimary();
} else {
  await runWorker();
}

async function runPrimary(): Promise<void> {
  const workers = Math.max(1, spec.workers);
  const ports: number[] = [];
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send('stop');
    const deadline = setTimeout(() => process.exit(code), 15_000);
    deadline.unref();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(code);
    });
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.resume();
  cluster.on('message', (_worker, message: { port?: number; error?: string }) => {
    if (message.error) {
      process.stdout.write(`${JSON.stringify({ error: message.error })}\n`);
      stop(1);
      return;
    }
    if (message.port !== undefined) ports.push(message.port);
    if (ports.length === workers) {
      const pids = Object.values(cluster.workers ?? {}).map((worker) => worker?.process.pid).filter((pid) => pid !== undefined);
      process.stdout.write(`${JSON.stringify({ port: ports[0], pids: [process.pid, ...pids] })}\n`);
    }
  });
  cluster.on('exit', (_worker, code) => {
    if (!stopping) {
      process.stdout.write(`${JSON.stringify({ error: `a front worker exited with code ${code}` })}\n`);
      stop(1);
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
}

async function runWorker(): Promise<void> {
  const cells = new Map<string, FrontTarget>();
  const closeAll = async (): Promise<void> => {
    await Promise.allSettled([...cells.values()].map((target) => target.cell.close()));
    process.exit(0);
  };
  process.on('message', (message) => {
    if (message === 'stop') void closeAll();
  });
  // Signals go to the primary, which relays them as 'stop'.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  try {
    for (const route of spec.routes) {
      const [runner] = resolveRunners([route.runner]);
      if (route.apps !== undefined) {
        if (!isMultiAppRunner(runner!)) throw new Error(`runner ${route.runner} cannot host many apps in one cell`);
        const apps = Array.from({ length: route.apps }, (_, id) => ({ id: String(id), bytes: helloVariant(id).bytes }));
        cells.set(route.route, { kind: 'apps', cell: await runner.openApps({ apps, config: route.config, lifecycle: route.lifecycle === 'reused' ? 'reused' : 'cold' }) });
        continue;
      }
      const cell = await runner!.open({ workload: loadWorkload(route.workload), lifecycle: route.lifecycle, config: route.config, poolSize: route.poolSize });
      cells.set(route.route, { kind: 'cell', cell });
    }
    const server = http.createServer({ keepAlive: true }, createFrontHandler(cells));
    server.keepAliveTimeout = 60_000;
    server.listen(Number(process.env['WSB_FRONT_PORT'] ?? 0), process.env['WSB_FRONT_HOST'] ?? '127.0.0.1', () => {
      const address = server.address();
      process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
    });
  } catch (error) {
    process.send?.({ error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    await closeAll();
  }
}
