/**
 * An HTTP client for L2 (first byte over HTTP): time from sending the request
 * to the first byte of the response. The connection to the front is kept
 * alive because the front is the common part; what is cold is the app.
 * Deployed targets use the same client (http or https, by the URL); it
 * sends the canned request's method, headers and body and nothing else
 * beyond Host and Connection.
 */
import http from 'node:http';
import https from 'node:https';
import { nowNs } from '../../core/clock.ts';

/** What one timed request saw. */
export interface FirstByte {
  firstByteNs: number;
  status: number;
  body: Buffer;
}

/** The request to send; a GET without headers or body by default. */
export interface OutgoingRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/** A keep-alive agent for one series of L2 samples (an https agent for an https URL). */
export function createAgent(url = 'http:'): http.Agent {
  return url.startsWith('https:') ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** Sends a request and times the first byte of the response. */
export function timeFirstByte(url: string, agent: http.Agent, signal?: AbortSignal, outgoing: OutgoingRequest = {}): Promise<FirstByte> {
  return new Promise((resolve, reject) => {
    const body = outgoing.body && outgoing.body.length > 0 ? outgoing.body : undefined;
    const headers = body ? { ...outgoing.headers, 'content-length': String(body.length) } : outgoing.headers;
    const send = url.startsWith('https:') ? https.request : http.request;
    const startNs = nowNs();
    const request = send(url, { method: outgoing.method ?? 'GET', headers, agent, signal }, (response) => {
      // 'response' fires when the head is parsed; the front writes head and body in one write, so this is the first byte.
      const firstByteNs = nowNs() - startNs;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ firstByteNs, status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
