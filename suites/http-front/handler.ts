/**
 * The front's request handler: maps `/r/<route>/<path>?<query>` to a cell and
 * writes the cell's CGI response back as HTTP. `/noop` is answered by the
 * front itself, so the same server measures its own ceiling; `/spin?us=N`
 * answers the same after N microseconds of CPU (calibration).
 */
import type http from 'node:http';
import type { AppsCell, Cell, InvokeResult, WorkloadRequest } from '../../runners/types.ts';
import { NOOP_BODY, NOOP_PATH, ROUTE_PREFIX, SPIN_MAX_US, SPIN_PATH } from './spec.ts';

const noopBody = Buffer.from(NOOP_BODY);

/** Request body cap: the front refuses larger bodies with 413. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** What a route serves: one cell, or many apps in one cell. */
export type FrontTarget = { kind: 'cell'; cell: Cell } | { kind: 'apps'; cell: AppsCell };

/** Builds the HTTP handler for a set of targets by route name. */
export function createFrontHandler(cells: ReadonlyMap<string, FrontTarget>): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url === NOOP_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': noopBody.length });
      res.end(noopBody);
      return;
    }
    if (url.startsWith(`${SPIN_PATH}?`)) {
      const raw = new URLSearchParams(url.slice(SPIN_PATH.length + 1)).get('us');
      const us = raw === null || raw === '' ? Number.NaN : Number(raw);
      if (!Number.isInteger(us) || us < 0 || us > SPIN_MAX_US) return fail(res, 400, `us must be an integer from 0 to ${SPIN_MAX_US}\n`);
      spin(us);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': noopBody.length });
      res.end(noopBody);
      return;
    }
    if (!url.startsWith(ROUTE_PREFIX)) return fail(res, 404, 'unknown path\n');
    const rest = url.slice(ROUTE_PREFIX.length);
    const slash = rest.search(/[/?]/);
    const route = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    const entry = cells.get(route);
    if (!entry) return fail(res, 404, `unknown route ${route}\n`);
    let target = slash < 0 ? '/' : rest.slice(slash);
    let appIndex = -1;
    if (entry.kind === 'apps') {
      const match = /^\/(\d+)(\/.*)?$/.exec(target.split('?')[0] ?? '');
      appIndex = match ? Number(match[1]) : -1;
      if (!match || appIndex >= entry.cell.appCount) return fail(res, 404, `route ${route} has apps 0..${entry.cell.appCount - 1}\n`);
      target = target.slice(match[1]!.length + 1) || '/';
    }
    const queryAt = target.indexOf('?');
    const chunks: Buffer[] = [];
    let size = 0;
    const respond = (): void => {
      if (size > MAX_BODY_BYTES) return fail(res, 413, 'body too large\n');
      const headers: Record<string, string> = {};
      for (const name in req.headers) {
        const value = req.headers[name];
        if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value;
      }
      const request: WorkloadRequest = {
        method: req.method ?? 'GET',
        path: queryAt < 0 ? (target.startsWith('/') ? target : `/${target}`) : target.slice(0, queryAt) || '/',
        query: queryAt < 0 ? '' : target.slice(queryAt + 1),
        headers,
        body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      };
      const invoked: Promise<InvokeResult> = entry.kind === 'apps' ? entry.cell.invoke(appIndex, request) : entry.cell.invoke(request);
      invoked.then(
        (result) => {
          const { status, headers: responseHeaders, body } = result.response;
          res.writeHead(status, { ...responseHeaders, 'content-length': body.length });
          res.end(body);
        },
        (error: unknown) => fail(res, 502, `${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`),
      );
    };
    // An HTTP/1.1 request with neither Content-Length nor Transfer-Encoding has no body: answer it without waiting for the stream's end.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      respond();
      return;
    }
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', respond);
  };
}

/** Busy-waits `us` microseconds on this thread: CPU work of a known size. */
function spin(us: number): void {
  const end = process.hrtime.bigint() + BigInt(us) * 1000n;
  while (process.hrtime.bigint() < end);
}

function fail(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(message) });
  res.end(message);
}
