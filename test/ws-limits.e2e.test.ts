import t, { type Test } from 'tap';
import { join } from 'node:path';
import { httpNode } from './helpers/http-node.js';
import { WsTestClient } from './helpers/ws-client.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { fillReadings, subscribeBurst } from './helpers/ws-node-process.js';
import type { AppDeps } from '../adapters/http/app.js';
import type { WsStats } from '../adapters/http/routes/ws.js';

const MB = 1024 * 1024;

/** A node's app on 127.0.0.1 in this process, with /ws's counters. */
async function listening(t: Test, ws: AppDeps['ws'] = {}) {
  let stats: (() => WsStats) | undefined;
  const fixture = await httpNode(t, { ws: { ...ws, monitor: (read) => (stats = read) } });
  await fixture.app.listen({ port: 0, host: '127.0.0.1' });
  const address = fixture.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const clients: WsTestClient[] = [];
  const connect = async () => {
    const c = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
    clients.push(c);
    await c.until(() => c.messages.some((m) => m.op === 'hello'), 5000, 'hello');
    return c;
  };
  t.teardown(async () => {
    for (const c of clients) await c.close();
  });
  const read = (): WsStats => {
    if (!stats) throw new Error('the /ws route exposes no counters (WsOptions.monitor)');
    return stats();
  };
  return { ...fixture, port, connect, stats: read };
}

const errorsOf = (c: WsTestClient) => c.messages.filter((m) => m.op === 'error');

t.test('1,000 subscribes on one connection hold one subscription, cost what one catch-up costs, and are let go when the client leaves', async (t) => {
  // The node runs in a child process with a journal on disk, so its RSS is its own.
  const dir = join(tempDir(t, 'smollama-ws-limits-'), 'journal');
  await fillReadings(dir, 20_000);
  const burst = await subscribeBurst(dir, 1000, {}, 60_000);
  t.equal(burst.answered, 1000, 'every subscribe is answered');
  t.equal(burst.closeCode, undefined, 'the client is not dropped');
  t.equal(burst.received, burst.lastPosition, 'the newest subscription sends every event once; the replaced ones send nothing');
  t.ok(burst.held, 'the route exposes its counters');
  t.match(burst.held, { connections: 1, subscriptions: 1 }, 'one subscription held');
  t.ok((burst.held?.readers ?? Infinity) <= 1, `at most one journal reader for the connection (${burst.held?.readers})`);
  t.ok((burst.held?.liveMembers ?? Infinity) <= 1, 'at most one live membership');
  // Before: 1,000 subscriptions read at once, +377 MB on this journal and +268 MB after leaving.
  // Now the burst costs what one client catching up once costs (~30 MB, V8's young generation).
  const peakRise = (burst.peak.anon - burst.base.anon) / MB;
  const afterRise = (burst.after.anon - burst.base.anon) / MB;
  t.ok(peakRise < 80, `RSS (anonymous) rose ${peakRise.toFixed(1)} MB while the client was there`);
  t.ok(afterRise < 80, `and is ${afterRise.toFixed(1)} MB above where it started after the client left`);
  t.match(burst.left, { connections: 0, subscriptions: 0, readers: 0, liveGroups: 0, liveMembers: 0, queuedBytes: 0 }, 'nothing is held for the client once it left');
});

t.test('a subscribe replaces the previous one and every subscribe is answered once', async (t) => {
  const { journal, connect, stats, sample } = await listening(t);
  const c = await connect();
  for (let i = 0; i < 50; i++) c.send({ op: 'subscribe', fromPosition: 1, types: ['reading.sampled'] });
  c.send({ op: 'subscribe' });
  await c.until(() => c.messages.filter((m) => m.op === 'subscribed').length === 51, 5000, '51 answers');
  await c.until(() => c.messages.some((m) => m.op === 'live'), 5000, 'live');
  await waitFor(() => stats().readers === 0 && stats().liveMembers === 1, { timeoutMs: 5000, message: 'the replaced subscriptions to end their reads' });
  t.match(stats(), { connections: 1, subscriptions: 1, liveGroups: 1 });
  const before = c.positions.length;
  const entry = await sample({ 'test.temp': 1 });
  await c.until(() => c.positions.includes(entry.position), 5000, 'the new event');
  t.same(c.positions.slice(before), [entry.position], 'the newest subscription (everything from now on) is the one served');
  c.send({ op: 'unsubscribe' });
  await waitFor(() => stats().subscriptions === 0 && stats().liveGroups === 0, { timeoutMs: 5000, message: 'unsubscribe to let go' });
  t.ok(journal.lastPosition() >= entry.position);
});

t.test('a node serves at most maxClients connections; one more gets SMOL_WS_SUBSCRIPTION_LIMIT and 4029', async (t) => {
  const { connect, stats, port } = await listening(t, { maxClients: 2 });
  const a = await connect();
  await connect();
  const over = await WsTestClient.connect(`ws://127.0.0.1:${port}/ws`);
  await over.until(() => over.closeCode !== undefined, 5000, 'the connection over the cap to be closed');
  t.equal(over.closeCode, 4029);
  t.same(over.messages.map((m) => [m.op, m.code]), [['error', 'SMOL_WS_SUBSCRIPTION_LIMIT']], 'an error frame says why, and nothing else is sent');
  t.equal(stats().connections, 2);
  await a.close();
  await waitFor(() => stats().connections === 1, { timeoutMs: 5000, message: 'the closed connection to be counted out' });
  const again = await connect();
  again.send({ op: 'subscribe', fromPosition: 1 });
  await again.until(() => again.messages.some((m) => m.op === 'live'), 5000, 'a client under the cap again is served');
  t.pass('room again once a client left');
});

t.test('a subscribe past the journal\'s end is SMOL_WS_POSITION_AHEAD and changes nothing', async (t) => {
  const { journal, connect, sample } = await listening(t);
  const c = await connect();
  c.send({ op: 'subscribe' });
  await c.until(() => c.messages.some((m) => m.op === 'live'), 5000, 'live');
  const last = journal.lastPosition();
  c.send({ op: 'subscribe', fromPosition: last + 1000 });
  await c.until(() => errorsOf(c).length === 1, 5000, 'the error');
  t.match(errorsOf(c)[0], { code: 'SMOL_WS_POSITION_AHEAD', lastPosition: last, nodeId: journal.nodeId }, 'it names where the journal ends and whose it is');
  t.equal(c.messages.filter((m) => m.op === 'live').length, 1, 'no second live for the refused subscribe');
  t.equal(c.messages.filter((m) => m.op === 'subscribed').length, 1, 'nor a subscribed');
  const entry = await sample({ 'test.temp': 2 });
  await c.until(() => c.positions.includes(entry.position), 5000, 'the earlier subscription still streams');
  // The next position is not ahead: a client that saw everything resumes there.
  const next = await connect();
  next.send({ op: 'subscribe', fromPosition: journal.lastPosition() + 1 });
  await next.until(() => next.messages.some((m) => m.op === 'live'), 5000, 'live at the next position');
  t.same(errorsOf(next), []);
});

t.test('bad frames of every kind get an error frame with a stable code and change nothing', async (t) => {
  const { connect, sample, stats } = await listening(t);
  const c = await connect();
  c.send({ op: 'subscribe' });
  await c.until(() => c.messages.some((m) => m.op === 'live'), 5000, 'live');
  const bad: Array<[string | Buffer, string]> = [
    ['not json', 'SMOL_BAD_REQUEST'],
    ['[1,2]', 'SMOL_BAD_REQUEST'],
    ['null', 'SMOL_BAD_REQUEST'],
    ['42', 'SMOL_BAD_REQUEST'],
    ['{"op":"subscribe","types":"reading.sampled"}', 'SMOL_BAD_REQUEST'],
    ['{"op":"subscribe","fromPosition":"1"}', 'SMOL_BAD_REQUEST'],
    ['{"op":"subscribe","fromPosition":1.5}', 'SMOL_BAD_REQUEST'],
    ['{"op":"subscribe","extra":true}', 'SMOL_BAD_REQUEST'],
    ['{"op":"dance"}', 'SMOL_BAD_REQUEST'],
    [Buffer.from('{"op":"unsubscribe"}'), 'SMOL_BAD_REQUEST'], // binary: refused, so it does not unsubscribe
    [JSON.stringify({ op: 'subscribe', types: Array.from({ length: 40 }, (_, i) => `t${i}.${'x'.repeat(1000)}`) }), 'SMOL_BODY_TOO_LARGE'],
  ];
  for (const [frame] of bad) c.socket.send(frame, { binary: Buffer.isBuffer(frame) });
  await c.until(() => errorsOf(c).length === bad.length, 5000, 'an answer to every bad frame');
  t.same(errorsOf(c).map((m) => m.code), bad.map(([, code]) => code));
  t.notOk(errorsOf(c).some((m) => /\n\s+at /.test(String(m.message))), 'no stack trace');
  t.match(stats(), { connections: 1, subscriptions: 1 }, 'the subscription is still there');
  const entry = await sample({ 'test.temp': 3 });
  await c.until(() => c.positions.includes(entry.position), 5000, 'events still come');
  t.equal(c.closeCode, undefined, 'the connection stays open');
});

t.test('a message over the server\'s maxPayload closes that connection with 1009 and no other', async (t) => {
  const { connect, stats, sample } = await listening(t);
  const other = await connect();
  other.send({ op: 'subscribe' });
  await other.until(() => other.messages.some((m) => m.op === 'live'), 5000, 'live');
  const huge = await connect();
  huge.socket.send('x'.repeat(1 << 20));
  await huge.until(() => huge.closeCode !== undefined, 5000, 'the huge frame to be refused');
  t.ok(huge.closeCode === 1009 || huge.closeCode === 1006, `closed (${huge.closeCode}: 1009, or 1006 when the refusal cut the client's send short)`);
  await waitFor(() => stats().connections === 1, { timeoutMs: 5000, message: 'the refused connection to be let go' });
  const entry = await sample({ 'test.temp': 4 });
  await other.until(() => other.positions.includes(entry.position), 5000, 'the other client is still served');
  t.equal(other.closeCode, undefined);
});

t.test('a client that does not read its catch-up is still dropped with 4008, and its reader ends', async (t) => {
  let dropped = 0;
  const { journal, connect, stats } = await listening(t, { highWaterBytes: 16 * 1024, slowClientMs: 300, onSlowClient: () => dropped++ });
  // ~30 MB of events: more than loopback TCP buffers take, so the server side has to queue.
  const values = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`test.s${i}`, i * 1.5]));
  for (let i = 0; i < 150; i++) await journal.append(Array.from({ length: 20 }, () => ({ type: 'reading.sampled' as const, data: { values } })));
  const slow = await connect();
  (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading from TCP
  slow.send({ op: 'subscribe', fromPosition: 1 });
  // The close handshake waits for the stalled client; the reads end at once.
  let queued = 0;
  await waitFor(() => ((queued = Math.max(queued, stats().queuedBytes)), dropped === 1 && stats().readers === 0), { timeoutMs: 30_000, message: 'the stalled client to be dropped and its reads to end' });
  // What waits for it is the high-water mark and one frame (≤ 512 events of ~10 KB), not the backlog.
  t.ok(queued <= 16 * 1024 + 512 * 11 * 1024, `at most ${queued} bytes were queued for it`);
  (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  await slow.until(() => slow.closeCode !== undefined, 20_000, 'slow client closed');
  t.equal(slow.closeCode, 4008);
  t.ok(slow.lastPosition() < journal.lastPosition(), 'it was behind when it was dropped');
  await waitFor(() => stats().connections === 0, { timeoutMs: 5000, message: 'the connection to be counted out' });
});

t.test('a client that sends without reading the answers is dropped with 4008 before they pile up', async (t) => {
  let dropped = 0;
  const { connect, stats } = await listening(t, { highWaterBytes: 16 * 1024, onSlowClient: () => dropped++ });
  const c = await connect();
  (c.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // stop reading from TCP
  // Each bad frame is answered (~70 bytes); loopback TCP buffers take a few MB of them first.
  let queued = 0;
  for (let i = 0; i < 200_000 && dropped === 0; i++) {
    c.socket.send('x');
    if (i % 5000 === 4999) {
      queued = Math.max(queued, stats().queuedBytes);
      await new Promise((r) => setImmediate(r));
    }
  }
  await waitFor(() => ((queued = Math.max(queued, stats().queuedBytes)), dropped > 0), { timeoutMs: 30_000, message: 'the client to be dropped' });
  t.equal(dropped, 1, 'once');
  t.ok(queued <= 16 * 1024 + 64 * 1024 + 256, `at most ${queued} bytes of answers were queued for it`);
  (c.socket as unknown as { _socket: { resume(): void } })._socket.resume();
  await c.until(() => c.closeCode !== undefined, 20_000, 'closed');
  t.equal(c.closeCode, 4008);
  await waitFor(() => stats().connections === 0, { timeoutMs: 5000, message: 'the connection to be counted out' });
});
