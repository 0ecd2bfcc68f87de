/**
 * The workload contract shared by every runner: CGI/WAGI in, CGI out
 * (DESIGN.md section 2), and the length-prefixed loop mode that lets one
 * instance answer many requests.
 *
 * Cold mode (one request per instance): the request's method, path, query and
 * headers are in the environment (`REQUEST_METHOD`, `PATH_INFO`,
 * `QUERY_STRING`, `CONTENT_LENGTH`, `CONTENT_TYPE`, `HTTP_<NAME>`), the body on
 * stdin; the response on stdout is header lines (`status: 200`,
 * `content-type: ...`), a blank line, then the body.
 *
 * Loop mode (argument `--loop`): stdin carries frames, each
 * `u32le envBytes, envBytes of KEY=VALUE\0..., u32le bodyBytes, body`; stdout
 * carries one frame per response, `u32le length, raw CGI response`. End of
 * stdin ends the loop with exit status 0.
 */
import type { WorkloadRequest, WorkloadResponse } from './types.ts';

/** The argument that puts a workload into loop mode. */
export const LOOP_ARG = '--loop';

/** The CGI environment of a request. */
export function cgiEnvironment(request: WorkloadRequest): Record<string, string> {
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: request.method,
    PATH_INFO: request.path,
    QUERY_STRING: request.query,
    CONTENT_LENGTH: String(request.body.length),
    SERVER_PROTOCOL: 'HTTP/1.1',
  };
  for (const [name, value] of Object.entries(request.headers)) {
    const key = name.toLowerCase();
    if (key === 'content-type') env['CONTENT_TYPE'] = value;
    else if (key !== 'content-length') env[`HTTP_${key.toUpperCase().replaceAll('-', '_')}`] = value;
  }
  return env;
}

/** Encodes a request as one loop-mode frame. */
export function encodeRequestFrame(request: WorkloadRequest, extraEnv: Record<string, string> = {}): Buffer {
  const env = { ...extraEnv, ...cgiEnvironment(request) };
  const envBlock = Buffer.from(Object.entries(env).map(([key, value]) => `${key}=${value}\0`).join(''), 'utf8');
  const frame = Buffer.allocUnsafe(8 + envBlock.length + request.body.length);
  frame.writeUInt32LE(envBlock.length, 0);
  envBlock.copy(frame, 4);
  frame.writeUInt32LE(request.body.length, 4 + envBlock.length);
  frame.set(request.body, 8 + envBlock.length);
  return frame;
}

/**
 * Splits a byte stream into loop-mode response frames. Feed it chunks as they
 * arrive; it returns the complete frames' payloads.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds a chunk and returns every frame it completed. */
  push(chunk: Uint8Array): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const frames: Buffer[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32LE(0);
      if (this.pending.length < 4 + length) break;
      frames.push(this.pending.subarray(4, 4 + length));
      this.pending = this.pending.subarray(4 + length);
    }
    return frames;
  }

  /** Bytes received that do not yet form a frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }
}

/** Thrown when a workload's output is not a CGI response. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError';
}

/**
 * Parses raw CGI output: header lines up to the first blank line (`\n` or
 * `\r\n`), then the body. `status: NNN` sets the status (200 when absent).
 */
export function parseCgiResponse(raw: Uint8Array): WorkloadResponse {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let headerEnd = -1;
  let bodyStart = -1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    if (bytes[i + 1] === 0x0a) {
      headerEnd = i;
      bodyStart = i + 2;
      break;
    }
    if (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a) {
      headerEnd = i;
      bodyStart = i + 3;
      break;
    }
  }
  if (headerEnd < 0) throw new MalformedResponseError(`no blank line after the headers in ${bytes.length} bytes of output`);
  // Why byte offsets and no `delete`: this runs once per request on every runner, and a header object that lost a key is slow to copy into the HTTP response.
  const headers: Record<string, string> = {};
  let statusText: string | undefined;
  for (let lineStart = 0; lineStart < headerEnd; ) {
    let lineEnd = bytes.indexOf(0x0a, lineStart);
    if (lineEnd < 0 || lineEnd > headerEnd) lineEnd = headerEnd;
    const end = lineEnd > lineStart && bytes[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (end > lineStart) {
      const colon = bytes.indexOf(0x3a, lineStart);
      if (colon <= lineStart || colon >= end) throw new MalformedResponseError(`not a header line: ${JSON.stringify(bytes.toString('utf8', lineStart, end).slice(0, 80))}`);
      const name = bytes.toString('utf8', lineStart, colon).trim().toLowerCase();
      const value = bytes.toString('utf8', colon + 1, end).trim();
      if (name === 'status') statusText = value;
      else headers[name] = value;
    }
    lineStart = lineEnd + 1;
  }
  const status = statusText === undefined ? 200 : Number.parseInt(statusText, 10);
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new MalformedResponseError(`bad status header: ${statusText}`);
  return { status, headers, body: bytes.subarray(bodyStart) };
}
