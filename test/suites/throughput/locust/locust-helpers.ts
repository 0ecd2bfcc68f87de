/** Test helpers for the Locust engine: the install (or why the tests skip), survivors, small plans. */
import fs from 'node:fs';
import http from 'node:http';
import { cannedRequest, loadWorkload } from '../../../../fixtures/manifest.ts';
import { startFront, type FrontHandle } from '../../../../suites/http-front/front.ts';
import { routePath } from '../../../../suites/http-front/spec.ts';
import { findLocust, type LocustInstall } from '../../../../suites/throughput/locust/engine.ts';
import { plannedRequest, type LoadPlan } from '../../../../suites/throughput/locust/plan.ts';

const found = await findLocust();

/** Locust as scripts/setup.sh installs it; the tests skip with the reason when it is not there. */
export const locust: LocustInstall | null = found.status === 'available' ? found.install : null;

/** The `skip` option of a test that needs Locust. */
export const skipWithoutLocust: string | false = found.status === 'available' ? false : found.reason;

/** Pids of every process whose command line holds `marker` (Locust's processes name their run folder). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Waits until `check` holds, polling; false when `ms` ran out. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return check();
}

/**
 * A locally started target: the suite's own front serving the hello workload
 * on the reference runtime, at `<url>/hello` like a deployed app.
 */
export async function startHelloTarget(): Promise<{ front: FrontHandle; url: string }> {
  const front = await startFront({ routes: [{ route: 'app', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello' }], workers: 1 });
  return { front, url: `${front.url}${routePath('app', '')}`.replace(/\/$/, '') };
}

/** The plan of hello's canned request at `<base>/hello`. */
export function helloPlan(base: string): LoadPlan {
  const canned = cannedRequest(loadWorkload('hello'));
  return { host: new URL(base).origin, requests: [plannedRequest('hello', `${base}${canned.request.path}`, canned)] };
}

/** A server on 127.0.0.1 answering every request with `body` (a target that answers wrongly). */
export async function startFixedServer(body: string, status = 200): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
