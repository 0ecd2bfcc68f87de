/**
 * An HTTP client for L2 (first byte over HTTP): time from sending the request
 * to the first byte of the response. The connection to the front is kept
 * alive because the front is the common part; what is cold is the app.
 */
import http from 'node:http';
import { nowNs } from '../../core/clock.ts';

/** What one timed request saw. */
export interface FirstByte {
  firstByteNs: number;
  status: number;
  body: Buffer;
}

/** A keep-alive agent for one series of L2 samples. */
export function createAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** Sends a GET and times the first byte of the response. */
export function timeFirstByte(url: string, agent: http.Agent, signal?: AbortSignal): Promise<FirstByte> {
  return new Promise((resolve, reject) => {
    const startNs = nowNs();
    const request = http.get(url, { agent, signal }, (response) => {
      // 'response' fires when the head is parsed; the front writes head and body in one write, so this is the first byte.
      const firstByteNs = nowNs() - startNs;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ firstByteNs, status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
