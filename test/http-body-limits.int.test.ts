import t, { type Test } from 'tap';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ErrorCodes } from '../core/errors.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { generateTokens } from '../adapters/http/auth/tokens.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { SyncClient } from '../adapters/sync/http-client.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { loadJournalIdentity, signerFor } from '../adapters/sync/journal-identity.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import type { HttpLimits } from '../adapters/http/app.js';
import { httpNode } from './helpers/http-node.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { flood, sampleRss, rssMb, startBodyNode } from './helpers/body-flood.js';
import { nodeAgent } from './helpers/node-agent.js';
import { FakeOllama } from './helpers/fake-ollama.js';
import { ROUTE_BODIES } from '../adapters/http/body-gate.js';
import { testNode } from './helpers/segment-fixtures.js';
import { watchedBody } from './helpers/watched-body.js';

const SEGMENT = 'application/x-smollama-segment';
const code = (res: { json(): unknown }) => (res.json() as { error?: { code?: string } }).error?.code;


/** A node app where loopback counts as the LAN (no token = nobody), with sync, and a second node it trusts. */
async function lanNode(t: Test, limits: Partial<HttpLimits> = {}) {
  let n = 100;
  const tokens = generateTokens((size) => Buffer.alloc(size, ++n));
  const dir = tempDir(t);
  const peer = await openMemoryJournal();
  t.teardown(() => peer.close());
  let service: SyncService | undefined;
  const fixture = await httpNode(t, async (node) => {
    service = await SyncService.open(node.journal as LevelJournal, dir, syncSection.parse({ cluster: 'limits' }), createRegistry());
    await service.trust.add(peer.publicKey, 'peer', node.journal.nodeId);
    return { auth: { tokens, openOnLoopback: false }, sync: { service }, limits };
  });
  const peerSign = signerFor(await loadJournalIdentity(peer));
  const signed = (path: string, body: Buffer, ts = Date.now()) =>
    signRequest({ method: 'POST', path, cluster: 'limits', node: peer.nodeId, body, ts, sign: (m) => peerSign(Buffer.from(m)) });
  return { ...fixture, tokens, service: service!, peer, signed };
}

async function listen(app: { listen(o: { host: string; port: number }): Promise<string>; server: { address(): unknown } }): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

t.test('a body from a caller without a token is refused before fastify reads a byte of it', async (t) => {
  const { app, tokens } = await lanNode(t);
  for (const [what, headers, expected] of [
    ['no token', {}, ErrorCodes.AUTH_REQUIRED],
    ['a wrong token', { authorization: 'Bearer nope' }, ErrorCodes.AUTH_INVALID],
  ] as const) {
    for (const url of ['/api/gpio/mode', '/api/agent/ask', '/v1/embeddings', '/no/such/route']) {
      const body = watchedBody();
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'content-length': String(64 * 1024), ...headers }, payload: body.stream });
      t.equal(res.statusCode, 401, `${url} with ${what}`);
      t.equal(code(res), expected, `${url} with ${what}: code`);
      t.notOk(body.read(), `${url} with ${what}: the body was not read`);
      t.equal(res.headers.connection, 'close', `${url} with ${what}: the connection is closed after the answer`);
    }
  }
  const ok = await app.inject({ method: 'POST', url: '/api/gpio/mode', headers: { authorization: `Bearer ${tokens.admin}` }, payload: { mode: 'simulated' } });
  t.not(ok.statusCode, 401, 'with the token the same route reads its body');
});

t.test('routes that need little take little: over the limit is SMOL_BODY_TOO_LARGE, unread', async (t) => {
  const { app, tokens } = await lanNode(t);
  const big = watchedBody(8 * 1024);
  const login = await app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': 'application/json', 'content-length': String(8 * 1024) }, payload: big.stream });
  t.equal(login.statusCode, 413);
  t.equal(code(login), ErrorCodes.BODY_TOO_LARGE);
  t.notOk(big.read(), 'an oversized login is not read');
  const gpio = await app.inject({ method: 'POST', url: '/api/gpio/mode', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ mode: 'simulated', pad: 'x'.repeat(8000) }) });
  t.equal(gpio.statusCode, 413);
  t.equal(code(gpio), ErrorCodes.BODY_TOO_LARGE);
  const good = await app.inject({ method: 'POST', url: '/api/login', payload: { token: tokens.read } });
  t.equal(good.statusCode, 200, 'a login of normal size still works');
});

t.test('unsigned, untrusted, wrongly signed and oversized sync requests are refused from their headers alone', async (t) => {
  const { app, signed, peer } = await lanNode(t, { maxSyncPushBytes: 1 << 20 });
  const stranger = await openMemoryJournal();
  t.teardown(() => stranger.close());
  const strangerSign = signerFor(await loadJournalIdentity(stranger));
  const len = 64 * 1024;
  const forged = signed('/sync/push', Buffer.alloc(len, 1)).replace(/sig=\S+$/, `sig=${'A'.repeat(86)}`);
  const cases: Array<[string, Record<string, string>, number, string]> = [
    ['no signature', {}, 401, ErrorCodes.AUTH_REQUIRED],
    ['a trusted id with a wrong signature', { [SYNC_AUTH_HEADER]: forged }, 401, ErrorCodes.AUTH_INVALID],
    ['an untrusted node', { [SYNC_AUTH_HEADER]: signRequest({ method: 'POST', path: '/sync/push', cluster: 'limits', node: stranger.nodeId, body: Buffer.alloc(len, 1), ts: Date.now(), sign: (m) => strangerSign(Buffer.from(m)) }) }, 403, ErrorCodes.UNTRUSTED_NODE],
    ['a stale signature', { [SYNC_AUTH_HEADER]: signed('/sync/push', Buffer.alloc(len, 1), Date.now() - 3_600_000) }, 401, ErrorCodes.AUTH_INVALID],
    ['a v1 header', { [SYNC_AUTH_HEADER]: `v1 node=${peer.nodeId} ts=${Date.now()} nonce=${'0'.repeat(32)} sig=${'A'.repeat(86)}` }, 401, ErrorCodes.AUTH_INVALID],
  ];
  for (const [what, headers, status, expected] of cases) {
    const body = watchedBody(len);
    const res = await app.inject({ method: 'POST', url: '/sync/push', headers: { 'content-type': SEGMENT, 'content-length': String(len), ...headers }, payload: body.stream });
    t.equal(res.statusCode, status, what);
    t.equal(code(res), expected, `${what}: code`);
    t.notOk(body.read(), `${what}: the body was not read`);
  }
  const huge = watchedBody(16);
  const tooLarge = await app.inject({ method: 'POST', url: '/sync/push', headers: { 'content-type': SEGMENT, 'content-length': String(2 << 20), [SYNC_AUTH_HEADER]: signed('/sync/push', Buffer.alloc(0)) }, payload: huge.stream });
  t.equal(tooLarge.statusCode, 413);
  t.equal(code(tooLarge), ErrorCodes.BODY_TOO_LARGE);
  t.notOk(huge.read(), 'a body over maxSyncPushBytes is not read');
  const body = Buffer.from(JSON.stringify({ vector: {} }));
  const other = Buffer.from(JSON.stringify({ vector: {}, max: 1 }));
  const tampered = await app.inject({ method: 'POST', url: '/sync/pull', headers: { 'content-type': 'application/json', [SYNC_AUTH_HEADER]: signed('/sync/pull', body).replace(/len=\d+/, `len=${other.length}`) }, payload: other });
  t.equal(code(tampered), ErrorCodes.AUTH_INVALID, 'the length is signed');
  const swapped = Buffer.from(JSON.stringify({ vector: {}, max: 9 }));
  const sameLength = await app.inject({ method: 'POST', url: '/sync/pull', headers: { 'content-type': 'application/json', [SYNC_AUTH_HEADER]: signed('/sync/pull', other) }, payload: swapped });
  t.equal(code(sameLength), ErrorCodes.AUTH_INVALID, 'a body of the signed length but other bytes is refused once read');
});

t.test('a client that asks before sending gets the refusal instead of 100 Continue', async (t) => {
  const { app } = await lanNode(t);
  const port = await listen(app);
  const socket = connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  let answer = '';
  socket.on('data', (d) => (answer += d.toString('latin1')));
  socket.write(`POST /sync/push HTTP/1.1\r\nhost: x\r\ncontent-type: ${SEGMENT}\r\ncontent-length: 200000000\r\nexpect: 100-continue\r\n\r\n`);
  await waitFor(() => answer.includes('\r\n\r\n'), { message: 'an answer to the headers' });
  t.match(answer, /^HTTP\/1\.1 401 /, 'the first answer is the refusal, not 100 Continue');
  t.match(answer, /connection: close/i);
});

t.test('a trusted node still syncs through the full app, pushing a segment that streams to disk', async (t) => {
  const { app, service, journal } = await lanNode(t);
  const port = await listen(app);
  const remote = await SyncService.open((await testNode(200)).journal, tempDir(t), syncSection.parse({ cluster: 'limits' }), createRegistry());
  t.teardown(() => remote.journal.close());
  await service.trust.add(remote.journal.publicKey, 'remote', journal.nodeId);
  await remote.trust.add(journal.publicKey, 'node', remote.journal.nodeId);
  await remote.journal.append(Array.from({ length: 900 }, (_, i) => ({ type: 'reading.sampled', data: { values: { 'remote.temp': 20 + (i % 9) } } })));
  const client = new SyncClient(remote);
  t.teardown(() => client.close());
  const r = await client.syncWith({ name: 'node', url: `http://127.0.0.1:${port}` });
  t.ok(r.sent >= 900, `pushed ${r.sent} events`);
  t.equal(journal.vector()[remote.journal.nodeId], remote.journal.vector()[remote.journal.nodeId], 'the node holds the pushed feed');
  t.ok(r.received > 0, 'and pulled its own');
});

t.test('at most maxSyncUploads pushes are received at once; the next is SMOL_HTTP_BUSY', async (t) => {
  const { app, signed } = await lanNode(t, { maxSyncUploads: 1 });
  const port = await listen(app);
  const len = 1 << 20;
  const holding = connect(port, '127.0.0.1');
  t.teardown(() => holding.destroy());
  let held = '';
  holding.on('data', (d) => (held += d));
  // Asking for 100 Continue tells us when the node has let the first push in (slot taken).
  holding.write(`POST /sync/push HTTP/1.1\r\nhost: x\r\ncontent-type: ${SEGMENT}\r\ncontent-length: ${len}\r\nexpect: 100-continue\r\n${SYNC_AUTH_HEADER}: ${signed('/sync/push', Buffer.alloc(len, 3))}\r\n\r\n`);
  await waitFor(() => held.includes('\r\n\r\n'), { message: 'the node to let the first push in' });
  t.match(held, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'the first push may send its body');
  holding.write(Buffer.alloc(1000, 3));
  const second = await flood({ port, path: '/sync/push', headers: { 'content-type': SEGMENT, [SYNC_AUTH_HEADER]: signed('/sync/push', Buffer.alloc(len, 4)) }, bytes: len, timeoutMs: 10_000 });
  t.equal(second.status, 503, 'a second push while the first uploads is refused');
  t.equal(second.code, ErrorCodes.HTTP_BUSY);
  t.match(held, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, 'the first push is still being received');
});

t.test('bodies from callers without a token are read a few at a time; more are SMOL_HTTP_BUSY', async (t) => {
  const { app } = await lanNode(t, { maxUnauthenticatedBodies: 1 });
  const port = await listen(app);
  const slow = connect(port, '127.0.0.1');
  t.teardown(() => slow.destroy());
  let answer = '';
  slow.on('data', (d) => (answer += d));
  slow.write('POST /api/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\nexpect: 100-continue\r\n\r\n');
  await waitFor(() => answer.includes('\r\n\r\n'), { message: 'the node to let the first login in' });
  t.match(answer, /^HTTP\/1\.1 100 Continue/, 'the first login may send its body');
  slow.write('{"tok');
  const next = await flood({ port, path: '/api/login', headers: { 'content-type': 'application/json' }, bytes: 10, timeoutMs: 10_000 });
  t.equal(next.status, 503, 'a second login body while one is being read is refused');
  t.equal(next.code, ErrorCodes.HTTP_BUSY);
});

t.test('huge unsigned and wrongly signed bodies do not raise the node process\'s RSS (< 32 MB)', async (t) => {
  const node = await startBodyNode(tempDir(t));
  t.teardown(() => node.stop());
  // Warm up: the first requests load code the floods would otherwise be blamed for.
  for (let i = 0; i < 3; i++) await flood({ port: node.port, path: '/sync/push', headers: { 'content-type': SEGMENT }, bytes: 1 << 20, timeoutMs: 10_000 });
  const before = rssMb(node.pid);
  t.ok(before !== undefined, 'the child\'s RSS can be read');
  const sampler = sampleRss(node.pid);
  const bytes = 200 * 1024 * 1024;
  const forged = `v2 node=${node.trusted} ts=${Date.now()} nonce=${'ab'.repeat(16)} len=${bytes} sha256=${'0'.repeat(64)} sig=${'A'.repeat(86)}`;
  const results = await Promise.all([
    flood({ port: node.port, path: '/sync/push', headers: { 'content-type': SEGMENT }, bytes }),
    flood({ port: node.port, path: '/sync/push', headers: { 'content-type': SEGMENT }, bytes }),
    flood({ port: node.port, path: '/sync/pull', headers: { 'content-type': 'application/json' }, bytes }),
    flood({ port: node.port, path: '/sync/push', headers: { 'content-type': SEGMENT, [SYNC_AUTH_HEADER]: forged }, bytes }),
    flood({ port: node.port, path: '/api/gpio/mode', headers: { 'content-type': 'application/json' }, bytes }),
  ]);
  const peak = sampler.stop()!;
  t.comment(`RSS before ${before!.toFixed(1)} MB, peak ${peak.toFixed(1)} MB; bytes the clients got onto the wire: ${results.map((r) => (r.written / 1048576).toFixed(1)).join(', ')} MB`);
  t.ok(peak - before! < 32, `RSS rose by ${(peak - before!).toFixed(1)} MB`);
  for (const r of results) {
    t.ok(r.written < bytes / 4, `a refused client got only ${(r.written / 1048576).toFixed(1)} MB of its 200 MB out before the node closed the connection`);
    if (r.status !== undefined) t.ok([401, 403].includes(r.status), `refused with ${r.status} ${r.code}`);
  }
});

t.test('every route named in the body table exists, so a renamed route cannot silently lose its limit', async (t) => {
  const fake = await FakeOllama.start();
  t.teardown(() => fake.close());
  const { app } = await httpNode(t, nodeAgent(t, fake));
  await app.ready();
  for (const key of Object.keys(ROUTE_BODIES)) {
    const [method, url] = key.split(' ') as [string, string];
    t.ok(app.hasRoute({ method: method as 'POST', url }), `${key} is a route of the app`);
  }
});
