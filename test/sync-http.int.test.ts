import t, { type Test } from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes } from '../core/errors.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { SyncClient } from '../adapters/sync/http-client.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { syncPlugin } from '../adapters/http/routes/sync.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { tempDir } from './helpers/temp-dir.js';
import { appendReadings, testNode, type TestNode } from './helpers/segment-fixtures.js';

interface Peer {
  node: TestNode;
  service: SyncService;
  app: FastifyInstance;
  url: string;
}

async function peer(t: Test, overrides: Record<string, unknown> = {}): Promise<Peer> {
  const node = await testNode(500);
  const config = syncSection.parse({ cluster: 'test', intervalMs: 1000, maxSegmentEvents: 2000, ...overrides });
  const service = await SyncService.open(node.journal, tempDir(t), config, createRegistry());
  const app = Fastify();
  await app.register(async (scope) => syncPlugin(scope, { service }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t.teardown(async () => {
    await app.close();
    await node.journal.close();
  });
  return { node, service, app, url };
}

async function trustEachOther(...peers: Peer[]): Promise<void> {
  for (const a of peers) for (const b of peers) if (a !== b) await a.service.trust.add(b.node.journal.publicKey, undefined, a.node.journal.nodeId);
}

t.test('two nodes exchange what each lacks over HTTP, both ways, in segments of bounded size', async (t) => {
  const a = await peer(t);
  const b = await peer(t);
  await trustEachOther(a, b);
  await appendReadings(a.node, 4500);
  await appendReadings(b.node, 1200);
  const client = new SyncClient(a.service);
  t.teardown(() => client.close());
  const r = await client.syncWith({ name: 'b', url: b.url });
  t.equal(r.peer, b.node.journal.nodeId);
  t.ok(r.received >= 1200, `received ${r.received}`);
  t.ok(r.sent >= 4500, `sent ${r.sent}`);
  t.ok(r.requests >= 4, 'several segments, since each holds at most maxSegmentEvents');
  t.same(a.node.journal.vector(), b.node.journal.vector(), 'identical vectors');
  const again = await client.syncWith({ name: 'b', url: b.url });
  t.equal(again.received + again.sent, 0, 'a second round moves nothing');
  t.equal(again.requests, 1, 'one request');
  t.ok(again.bytesSent + again.bytesReceived < 2048, `an exchange with nothing to send is small (${again.bytesSent + again.bytesReceived} bytes)`);
});

t.test('sync requests must be signed by a trusted node, within the time window, and only once', async (t) => {
  const a = await peer(t);
  const b = await peer(t);
  const stranger = await peer(t);
  await trustEachOther(a, b);
  const body = Buffer.from(JSON.stringify({ vector: {} }));
  const signed = (p: Peer, ts = Date.now(), cluster = 'test') =>
    signRequest({ method: 'POST', path: '/sync/pull', cluster, node: p.node.journal.nodeId, body, ts, sign: (m) => p.node.sign(Buffer.from(m)) });
  const pull = (auth: string | undefined) =>
    b.app.inject({ method: 'POST', url: '/sync/pull', headers: { 'content-type': 'application/json', ...(auth ? { [SYNC_AUTH_HEADER]: auth } : {}) }, payload: body });
  const code = (res: { json(): unknown }) => (res.json() as { error?: { code?: string } }).error?.code;

  const none = await pull(undefined);
  t.equal(none.statusCode, 401);
  t.equal(code(none), ErrorCodes.AUTH_REQUIRED);
  const untrusted = await pull(signed(stranger));
  t.equal(untrusted.statusCode, 403);
  t.equal(code(untrusted), ErrorCodes.UNTRUSTED_NODE);
  const stale = await pull(signed(a, Date.now() - 3_600_000));
  t.equal(code(stale), ErrorCodes.AUTH_INVALID);
  t.ok(Number(stale.headers['x-smollama-time']) > 0, 'a refusal tells the caller our clock');
  const otherCluster = await pull(signed(a, Date.now(), 'elsewhere'));
  t.equal(code(otherCluster), ErrorCodes.AUTH_INVALID);
  const tampered = await b.app.inject({ method: 'POST', url: '/sync/pull', headers: { 'content-type': 'application/json', [SYNC_AUTH_HEADER]: signed(a) }, payload: Buffer.from(JSON.stringify({ vector: {}, max: 1 })) });
  t.equal(code(tampered), ErrorCodes.AUTH_INVALID, 'the signature covers the body');
  const header = signed(a);
  const ok = await pull(header);
  t.ok([200, 204].includes(ok.statusCode), 'a signed request from a trusted node is answered');
  const replay = await pull(header);
  t.equal(replay.statusCode, 401);
  t.equal(code(replay), ErrorCodes.AUTH_REPLAYED);
});

t.test('a node whose clock is a day off learns the peer clock from the refusal and syncs', async (t) => {
  const a = await peer(t);
  const b = await peer(t);
  await trustEachOther(a, b);
  await appendReadings(b.node, 10);
  const client = new SyncClient(a.service, { now: () => Date.now() - 86_400_000 });
  t.teardown(() => client.close());
  const r = await client.syncWith({ name: 'b', url: b.url });
  t.ok(r.received > 10);
  t.ok(r.clockOffsetMs !== null && Math.abs(r.clockOffsetMs - 86_400_000) < 60_000, `offset ${r.clockOffsetMs}`);
});

t.test('an unreachable peer fails with a stable code', async (t) => {
  const a = await peer(t);
  const client = new SyncClient(a.service, { timeoutMs: 2000 });
  t.teardown(() => client.close());
  const err = await client.syncWith({ name: 'gone', url: 'http://127.0.0.1:9' }).then(() => undefined, (e: unknown) => e);
  t.match(err, { code: ErrorCodes.SYNC_PEER_FAILED });
});
