/**
 * The simplest HTTP server available: a raw TCP server that answers every
 * request head it sees with one canned response, without parsing anything.
 * Run as its own process; the load generator's ceiling is measured against it.
 * Listens on the address given as its argument (127.0.0.1 by default).
 * Prints `{"port":N}` when it listens; exits when stdin closes.
 */
import net from 'node:net';

const response = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\nok\n');
const END_OF_HEAD = Buffer.from('\r\n\r\n');

const server = net.createServer((socket) => {
  let carry: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let from = 0;
    for (let at = data.indexOf(END_OF_HEAD, from); at >= 0; at = data.indexOf(END_OF_HEAD, from)) {
      socket.write(response);
      from = at + END_OF_HEAD.length;
    }
    carry = data.subarray(from);
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, process.argv[2] ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
