/**
 * Ports and addresses for servers the suite starts (the HTTP front, `wasmtime
 * serve`, the native servers, Locust's master): they listen on 127.0.0.1
 * unless the user names another address of this machine (`--load-master`).
 */
import net from 'node:net';

/** The address every server of the suite listens on unless told otherwise. */
export const LOOPBACK = '127.0.0.1';

/** The base URL of a server listening on `host` (an IPv4 address or a name) and `port`. */
export function httpUrl(host: string, port: number): string {
  return `http://${host}:${port}`;
}

/**
 * A port that was free on `host` a moment ago: the kernel picks one for a
 * listener on port 0, which is then closed. Another process may take it
 * before the server binds it, so callers retry on "address in use".
 */
export function freePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
