/**
 * The workloads' handlers ported to JavaScript, for the `process-node`
 * runner: the same logic as fixtures/src/workloads/*.c and the response
 * framing of fixtures/src/wsb.c, so that each answers byte for byte what the
 * C workload answers (the runner's tests check them against the manifest).
 */
import { createHash } from 'node:crypto';

/** A request as wsb.c hands it to a handler: the environment as `KEY=VALUE` entries, and the body. */
export interface CgiRequest {
  env: readonly string[];
  body: Buffer;
}

/** The response being built, as wsb_response. */
interface Response {
  status: number;
  contentType: string;
  chunks: Buffer[];
}

/** A handler: request fields in, response built (wsb_handle). */
type HandlerFunction = (request: ParsedRequest, response: Response) => void;

/** The request with the fields wsb.c's serve() extracts. */
interface ParsedRequest extends CgiRequest {
  method: string;
  path: string;
  query: string;
  contentType: string;
}

/** A complete handler: CGI request in, raw CGI response out. */
export type Handler = (request: CgiRequest) => Buffer;

/** wsb_env: the value of the first `name=` entry, or undefined. */
function envValue(env: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  return env.find((entry) => entry.startsWith(prefix))?.slice(prefix.length);
}

/** wsb_query: the value of query parameter `name` (empty for `name` without `=`), percent-decoded as wsb.c does, or undefined. */
function queryValue(query: string, name: string): string | undefined {
  for (const part of query.split('&')) {
    if (part === name) return '';
    if (part.startsWith(`${name}=`)) return formDecode(part.slice(name.length + 1));
  }
  return undefined;
}

/** As wsb.c decodes a query value: %XX is the byte XX, + a space, a malformed % kept as it is. */
function formDecode(raw: string): string {
  return raw.replace(/\+/g, ' ').replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** wsb_query_long: `fallback` when absent, -1 when not a decimal integer in [0, 2^31). */
function queryLong(query: string, name: string, fallback: number): number {
  const text = queryValue(query, name);
  if (text === undefined) return fallback;
  // wsb_query copies at most 15 characters; longer values fail the length check either way.
  if (text.length === 0 || text.length > 10 || !/^[0-9]+$/.test(text)) return -1;
  const value = Number(text);
  return value <= 0x7fffffff ? value : -1;
}

function write(response: Response, data: Buffer | string): void {
  response.chunks.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
}

/** wsb_error: a text/plain answer replacing anything built. */
function fail(response: Response, status: number, message: string): void {
  response.status = status;
  response.contentType = 'text/plain';
  response.chunks = [Buffer.from(`${message}\n`, 'utf8')];
}

/** wsb_json_string: bytes as a JSON string literal, bytes outside printable ASCII as \u00XX. */
function jsonString(bytes: Buffer): string {
  let out = '"';
  for (const c of bytes) {
    if (c === 0x22 || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c === 0x0a) out += '\\n';
    else if (c < 0x20 || c >= 0x7f) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += String.fromCharCode(c);
  }
  return `${out}"`;
}

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/** hello.c */
const hello: HandlerFunction = (_request, response) => {
  write(response, 'Hello, world from wsb-app-00000000\n');
};

/** echo.c: the request serialised as JSON, HTTP_* entries sorted bytewise (strcmp). */
const echo: HandlerFunction = (request, response) => {
  const headers = request.env.filter((entry) => entry.startsWith('HTTP_')).sort((a, b) => Buffer.compare(text(a), text(b)));
  response.contentType = 'application/json';
  let json = `{"method":${jsonString(text(request.method))},"path":${jsonString(text(request.path))},"query":${jsonString(text(request.query))},"contentType":${jsonString(text(request.contentType))},"headers":{`;
  json += headers
    .map((entry) => {
      const equals = entry.indexOf('=');
      return `${jsonString(text(entry.slice(0, equals)))}:${jsonString(text(entry.slice(equals + 1)))}`;
    })
    .join(',');
  json += `},"bodyBytes":${request.body.length},"body":${jsonString(request.body)}}\n`;
  write(response, json);
};

/** cpu.c: SHA-256 over `kib` KiB of xorshift64* bytes (little-endian words). */
const cpu: HandlerFunction = (request, response) => {
  const kib = queryLong(request.query, 'kib', 64);
  if (kib < 0 || kib > 1048576) return fail(response, 400, 'kib must be an integer in 0..1048576');
  const data = Buffer.allocUnsafe(kib * 1024);
  const mask = (1n << 64n) - 1n;
  let seed = 0x9e3779b97f4a7c15n;
  for (let offset = 0; offset < data.length; offset += 8) {
    seed ^= seed >> 12n;
    seed = (seed ^ (seed << 25n)) & mask;
    seed ^= seed >> 27n;
    data.writeBigUInt64LE((seed * 0x2545f4914f6cdd1dn) & mask, offset);
  }
  response.contentType = 'application/json';
  write(response, `{"kib":${kib},"sha256":"${createHash('sha256').update(data).digest('hex')}"}\n`);
};

/** mem.c: allocate `mib` MiB, write every 32-bit word, FNV-1a (64-bit) over them. */
const mem: HandlerFunction = (request, response) => {
  const mib = queryLong(request.query, 'mib', 16);
  if (mib < 1 || mib > 3072) return fail(response, 400, 'mib must be an integer in 1..3072');
  let memory: Uint32Array;
  try {
    memory = new Uint32Array(mib * 262144);
  } catch {
    response.contentType = 'application/json';
    response.status = 507;
    return write(response, `{"mib":${mib},"error":"allocation failed"}\n`);
  }
  for (let i = 0; i < memory.length; i++) memory[i] = (Math.imul(i, 2654435761) ^ mib) >>> 0;
  // 64-bit FNV-1a in two 32-bit halves: h * (2^40 + 0x1b3) mod 2^64.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < memory.length; i++) {
    lo = (lo ^ (memory[i] as number)) >>> 0;
    const low = lo * 0x1b3;
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = low >>> 0;
  }
  response.contentType = 'application/json';
  write(response, `{"mib":${mib},"checksum":"${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')}"}\n`);
};

const HANDLER_FUNCTIONS: Record<string, HandlerFunction> = { hello, echo, cpu, mem };

/** wsb.c's serve(): extracts the request fields, runs the handler, writes `status`, `content-type`, blank line, body. */
function serve(handle: HandlerFunction): Handler {
  return (request) => {
    const parsed: ParsedRequest = {
      ...request,
      method: envValue(request.env, 'REQUEST_METHOD') ?? '',
      path: envValue(request.env, 'PATH_INFO') ?? '',
      query: envValue(request.env, 'QUERY_STRING') ?? '',
      contentType: envValue(request.env, 'CONTENT_TYPE') ?? '',
    };
    const response: Response = { status: 200, contentType: 'text/plain', chunks: [] };
    handle(parsed, response);
    return Buffer.concat([text(`status: ${response.status}\ncontent-type: ${response.contentType}\n\n`), ...response.chunks]);
  };
}

/** Handlers by workload name. */
export const HANDLERS: Record<string, Handler> = Object.fromEntries(Object.entries(HANDLER_FUNCTIONS).map(([name, handle]) => [name, serve(handle)]));

/** Whether a workload has a JavaScript port. */
export function hasNodeHandler(workload: string): boolean {
  return Object.hasOwn(HANDLERS, workload);
}

/** Names of the ported workloads. */
export function nodeHandlerNames(): string[] {
  return Object.keys(HANDLERS);
}
