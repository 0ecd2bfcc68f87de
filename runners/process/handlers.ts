/**
 * The workloads' handlers ported to JavaScript, for the `process-node`
 * runner: each takes the CGI request (environment and body) and returns the
 * raw CGI response, byte for byte what the C workload writes.
 */

/** A CGI request as a handler sees it. */
export interface CgiRequest {
  env: Record<string, string | undefined>;
  body: Buffer;
}

/** A handler: CGI request in, raw CGI response out. */
export type Handler = (request: CgiRequest) => Buffer;

function respond(status: number, contentType: string, body: Buffer | string): Buffer {
  const head = `${status === 200 ? '' : `status: ${status}\n`}content-type: ${contentType}\n\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), typeof body === 'string' ? Buffer.from(body, 'utf8') : body]);
}

/** Handlers by workload name. */
export const HANDLERS: Record<string, Handler> = {
  hello: () => respond(200, 'text/plain', 'Hello, world!\n'),
  echo: (request) => respond(200, request.env['CONTENT_TYPE'] ?? 'application/octet-stream', request.body),
};

/** Whether a workload has a JavaScript port. */
export function hasNodeHandler(workload: string): boolean {
  return Object.hasOwn(HANDLERS, workload);
}

/** Names of the ported workloads. */
export function nodeHandlerNames(): string[] {
  return Object.keys(HANDLERS);
}
