/**
 * Loopback ports for servers the suite starts (the HTTP front, `wasmtime
 * serve`, the native servers): every server listens on 127.0.0.1 only.
 */
import net from 'node:net';

/** The loopback address every server of the suite listens on. */
export const LOOPBACK = '127.0.0.1';

/**
 * A port that was free a moment ago: the kernel picks one for a listener on
 * port 0, which is then closed. Another process may take it before the
 * server binds it, so callers retry on "address in use".
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
