import t, { type Test } from 'tap';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { HttpLimits } from '../adapters/http/app.js';
import { httpNode } from './helpers/http-node.js';
import { waitFor } from './helpers/wait-for.js';
import { WsTestClient } from './helpers/ws-client.js';

/** Opens `n` connections to the port; each gets `send` written once connected. */
async function open(port: number, n: number, send: string): Promise<Array<{ socket: Socket; closed: () => boolean; answer: () => string }>> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<{ socket: Socket; closed: () => boolean; answer: () => string }>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let closed = false;
      let answer = '';
      socket.on('data', (d) => (answer += d.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        if (send) socket.write(send);
        resolve({ socket, closed: () => closed, answer: () => answer });
      });
      socket.once('error', reject);
    })),
  );
}

async function serve(t: Test, limits: Partial<HttpLimits>) {
  const { app } = await httpNode(t, { limits });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

t.test('connections that send 4 of 1,000 promised body bytes are answered 408 and closed after http.requestTimeoutMs', async (t) => {
  const port = await serve(t, { requestTimeoutMs: 800, headersTimeoutMs: 400 });
  const slow = await open(port, 50, 'POST /api/gpio/mode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"mo');
  t.teardown(() => slow.forEach((c) => c.socket.destroy()));
  await waitFor(() => slow.every((c) => c.closed()), { timeoutMs: 15_000, message: 'the node to close all 50 slow requests' });
  t.ok(slow.every((c) => /^HTTP\/1\.1 408 /.test(c.answer())), 'each was told 408 Request Timeout');
});

t.test('connections that never finish their headers, or send nothing, are closed after http.headersTimeoutMs', async (t) => {
  const port = await serve(t, { requestTimeoutMs: 5_000, headersTimeoutMs: 400 });
  const partial = await open(port, 10, 'GET /api/stats HTTP/1.1\r\nhost: x\r\nx-slow: ');
  const silent = await open(port, 10, '');
  t.teardown(() => [...partial, ...silent].forEach((c) => c.socket.destroy()));
  await waitFor(() => partial.every((c) => c.closed()), { timeoutMs: 15_000, message: 'the node to close connections with unfinished headers' });
  await waitFor(() => silent.every((c) => c.closed()), { timeoutMs: 15_000, message: 'the node to close connections that sent nothing' });
  t.pass('all closed');
});

t.test('an idle kept-alive connection is closed after http.keepAliveTimeoutMs', async (t) => {
  const port = await serve(t, { keepAliveTimeoutMs: 300, requestTimeoutMs: 60_000, headersTimeoutMs: 30_000 });
  const [c] = await open(port, 1, 'GET /api/whoami HTTP/1.1\r\nhost: x\r\n\r\n');
  t.teardown(() => c!.socket.destroy());
  await waitFor(() => c!.answer().includes('\r\n\r\n'), { message: 'the answer' });
  t.match(c!.answer(), /^HTTP\/1\.1 200 /);
  await waitFor(() => c!.closed(), { timeoutMs: 15_000, message: 'the node to close the idle connection' });
  t.pass('closed');
});

t.test('connections beyond http.maxConnections are closed at once; those within stay', async (t) => {
  const port = await serve(t, { maxConnections: 5, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 });
  const first = await open(port, 5, '');
  const extra = await open(port, 3, '');
  t.teardown(() => [...first, ...extra].forEach((c) => c.socket.destroy()));
  await waitFor(() => extra.every((c) => c.closed()), { timeoutMs: 10_000, message: 'the node to close the connections over its cap' });
  t.notOk(first.some((c) => c.closed()), 'the first five are still open');
  first[0]!.socket.write('GET /api/whoami HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitFor(() => first[0]!.answer().includes('\r\n\r\n'), { message: 'an answer on a connection within the cap' });
  t.match(first[0]!.answer(), /^HTTP\/1\.1 200 /);
});

t.test('a WebSocket is not a slow request: it stays open past http.requestTimeoutMs and keepAliveTimeoutMs', async (t) => {
  const port = await serve(t, { requestTimeoutMs: 300, headersTimeoutMs: 200, keepAliveTimeoutMs: 200 });
  const ws = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
  t.teardown(() => ws.socket.close());
  // A slow request on the side: once the node has closed it, the timeouts have been checked past the WebSocket's age.
  const [slow] = await open(port, 1, 'POST /api/gpio/mode HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10\r\n\r\n{');
  t.teardown(() => slow!.socket.destroy());
  await waitFor(() => slow!.closed(), { timeoutMs: 15_000, message: 'the node to close the slow request' });
  t.equal(ws.closeCode, undefined, 'the WebSocket is still open');
  ws.socket.send(JSON.stringify({ op: 'subscribe' }));
  await waitFor(() => ws.messages.some((m) => m.op === 'subscribed'), { message: 'an answer on the WebSocket' });
});
