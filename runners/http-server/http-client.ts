/**
 * One request of the workload contract sent over HTTP/1.1, as the suite's
 * clients send it: method, path, query, the request's headers and body.
 * Times the first byte of the response (L2) and the whole exchange. The one
 * HTTP client of the suite: servers it starts, the common front, and
 * deployed targets (http or https, by the URL).
 */
import http from 'node:http';
import https from 'node:https';
import { nowNs } from '../../core/clock.ts';
import type { WorkloadRequest, WorkloadResponse } from '../types.ts';

/** What one request saw. */
export interface HttpExchange {
  response: WorkloadResponse;
  /** Request sent -> response head parsed, ns. */
  firstByteNs: number;
  /** Request sent -> body complete, ns. */
  totalNs: number;
}

/** A keep-alive agent with one connection: a series of requests on one socket, as a client of a server keeps it (an https agent for an https URL). */
export function createAgent(url = 'http:'): http.Agent {
  return url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** The URL of a request at a base URL (`http://127.0.0.1:PORT` plus path and query). */
export function requestUrl(baseUrl: string, request: Pick<WorkloadRequest, 'path' | 'query'>): string {
  return `${baseUrl}${request.path.startsWith('/') ? '' : '/'}${request.path}${request.query ? `?${request.query}` : ''}`;
}

/**
 * Sends `request` to `url` (which carries path and query) and collects the
 * response. Only the headers of the request are sent beside what HTTP needs
 * (Host, Connection, Content-Length when there is a body).
 */
export function sendRequest(url: string, request: Pick<WorkloadRequest, 'method' | 'headers' | 'body'>, agent: http.Agent | false, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<HttpExchange> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body.length > 0 || !['GET', 'HEAD'].includes(request.method)) headers['content-length'] = request.body.length;
    const startNs = nowNs();
    const client = (url.startsWith('https:') ? https : http).request(url, { method: request.method, headers, agent, signal: options.signal, timeout: options.timeoutMs ?? 30_000 }, (response) => {
      // 'response' fires when the head is parsed: the servers write head and small bodies in one write, so this is the first byte.
      const firstByteNs = nowNs() - startNs;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const responseHeaders: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === 'string') responseHeaders[name] = value;
        resolve({ response: { status: response.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks) }, firstByteNs, totalNs: nowNs() - startNs });
      });
    });
    client.on('timeout', () => client.destroy(new Error(`no response within ${options.timeoutMs ?? 30_000} ms`)));
    client.on('error', reject);
    client.end(request.body.length ? Buffer.from(request.body) : undefined);
  });
}
