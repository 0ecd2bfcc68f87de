/**
 * Entry script of a `process-node` process: `node node-handler.ts <workload>`
 * answers one CGI request (environment and stdin) on stdout;
 * `node node-handler.ts <workload> --loop` answers loop-mode frames until
 * stdin ends (runners/wagi.ts), exactly as the C workloads do.
 */
import { HANDLERS, type CgiRequest, type Handler } from './handlers.ts';

/** Parses a `KEY=VALUE\0...` block into its entries (those with a `=`, as wsb.c keeps them). */
function parseEnvBlock(block: Buffer): string[] {
  return block.toString('utf8').split('\0').filter((entry) => entry.includes('='));
}

/** Answers request frames as they arrive on stdin, one response frame each. */
function serveLoop(handler: Handler): void {
  let pending: Buffer = Buffer.alloc(0);
  process.stdin.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (pending.length < 4) return;
      const envBytes = pending.readUInt32LE(0);
      if (pending.length < 8 + envBytes) return;
      const bodyBytes = pending.readUInt32LE(4 + envBytes);
      const end = 8 + envBytes + bodyBytes;
      if (pending.length < end) return;
      const request: CgiRequest = { env: parseEnvBlock(pending.subarray(4, 4 + envBytes)), body: Buffer.from(pending.subarray(8 + envBytes, end)) };
      pending = pending.subarray(end);
      const response = handler(request);
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(response.length, 0);
      process.stdout.write(Buffer.concat([length, response]));
    }
  });
}

/** Answers the one CGI request of this process. */
function serveOnce(handler: Handler): void {
  const chunks: Buffer[] = [];
  process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
  process.stdin.on('end', () => {
    // As wsb.c: read CONTENT_LENGTH bytes when it is a number, else until end of input.
    const announced = /^[0-9]+$/.test(process.env['CONTENT_LENGTH'] ?? '') ? Number(process.env['CONTENT_LENGTH']) : Infinity;
    const body = Buffer.concat(chunks).subarray(0, announced);
    const env = Object.entries(process.env).map(([key, value]) => `${key}=${value ?? ''}`);
    process.stdout.write(handler({ env, body }));
  });
}

const [workload, mode] = process.argv.slice(2);
const handler = workload === undefined ? undefined : HANDLERS[workload];
if (!handler) {
  process.stderr.write(`node-handler: no JavaScript port of workload ${JSON.stringify(workload)}\n`);
  process.exit(2);
}
if (mode === '--loop') serveLoop(handler);
else serveOnce(handler);
