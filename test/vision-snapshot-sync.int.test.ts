import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import sharp from 'sharp';
import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { MemoryPressureMonitor } from '../core/runtime/memory-pressure.js';
import { createRegistry } from '../core/events/default-registry.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { ownSnapshots, type VisionState } from '../projections/vision.js';
import { configSchema } from '../adapters/config/schema.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { startSync } from '../adapters/sync/start-sync.js';
import { SyncClient } from '../adapters/sync/http-client.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import { syncPeersUnit } from '../adapters/units/sync-peers.js';
import { SnapshotSender } from '../adapters/vision/snapshots/snapshot-sender.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { flood } from './helpers/body-flood.js';
import { httpNode } from './helpers/http-node.js';
import { testNode } from './helpers/segment-fixtures.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// Two real nodes on 127.0.0.1: an edge with a snapshot its vision.detected event references, and
// a hub without cameras that trusts it. The edge's sync-peers unit runs its real peer loop.

const CLUSTER = 'snaps';
const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const codeOf = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

t.test('snapshot files between a trusted edge and a hub', async (t) => {
  const hubDir = tempDir(t);
  const hubStore = await SnapshotStore.open({ dir: join(hubDir, 'snapshots'), maxBytes: 8 << 20 });
  let hubService: SyncService | undefined;
  const MIB = 1 << 20;
  const pressure = new MemoryPressureMonitor(100 * MIB);
  const hub = await httpNode(t, async (node) => {
    hubService = await SyncService.open(node.journal as LevelJournal, hubDir, syncSection.parse({ cluster: CLUSTER }), createRegistry());
    return { sync: { service: hubService, snapshots: hubStore }, snapshots: hubStore, memory: { pressure, largeSyncPushBytes: MIB } };
  }, { role: 'llama' });
  await hub.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (hub.app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const edge = await httpNode(t);
  const edgeStore = await SnapshotStore.open({ dir: join(tempDir(t), 'snapshots'), maxBytes: 8 << 20 });
  const frame = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 140, b: 200 } } }).jpeg().toBuffer();
  const stored = await edgeStore.put(frame, [{ x: 0.1, y: 0.1, w: 0.3, h: 0.6 }]);
  const entry = await edge.journal.appendOne('vision.detected', { camera: 'door', objectId: 'door-1', phase: 'new', label: 'person', score: 0.9, topScore: 0.9, box: { x: 0.1, y: 0.1, w: 0.3, h: 0.6 }, zones: [], snapshot: stored.sha256, startedAtMs: T0 });
  for (const r of edge.node.runners.values()) await r.caughtUp(entry.position);
  t.same(ownSnapshots(edge.node.runner<VisionState>('vision').state, edge.journal.nodeId), [stored.sha256], "the edge offers its own event's snapshot");
  await hubService!.trust.add(edge.journal.publicKey, 'edge', hub.journal.nodeId);

  const warnings: string[] = [];
  /** The edge's sync and sync-peers unit as `smollama start` runs them, with vision.snapshots.sync as given. */
  const runEdge = async (snapshotSync: boolean) => {
    const config = configSchema.parse({ dataDir: tempDir(t), sync: { cluster: CLUSTER, peers: [{ name: 'hub', url }] }, vision: { snapshots: { sync: snapshotSync } } });
    const sync = await startSync(config, edge.journal, () => undefined);
    await sync.service.trust.add(hub.journal.publicKey, 'hub', edge.journal.nodeId);
    const shelf = new Shelf();
    shelf.put('sync', sync);
    shelf.put('node', edge.node as never);
    shelf.put('snapshots', edgeStore);
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const unit = syncPeersUnit();
    await unit.start({ config, log, shelf, output: undefined as never, stopReason: () => 'test' } as UnitContext);
    t.teardown(() => unit.stop());
    return { sync, unit };
  };
  const get = (path: string) => hub.app.inject({ url: path });

  await t.test('with vision.snapshots.sync off (the default) a round syncs and sends no snapshot', async (t) => {
    const { sync, unit } = await runEdge(false);
    await waitFor(() => (sync.loop?.status.get('hub')?.lastOkAt ?? null) !== null, { timeoutMs: 10_000, message: 'a sync round with the hub' });
    await unit.stop();
    t.equal(hubStore.count, 0, 'the hub holds no snapshot');
    t.equal((await get(`/api/vision/snapshots/${stored.sha256}`)).statusCode, 404);
  });

  await t.test('with it on, after a round the hub holds the same bytes and serves them with vision off', async (t) => {
    const { unit } = await runEdge(true);
    await waitFor(() => hubStore.has(stored.sha256), { timeoutMs: 10_000, message: "the edge's snapshot on the hub" });
    await unit.stop();
    const image = await get(`/api/vision/snapshots/${stored.sha256}`);
    t.equal(image.statusCode, 200);
    t.equal(image.headers['content-type'], 'image/jpeg');
    t.equal(sha(image.rawPayload), stored.sha256, 'the same bytes (same hash)');
    const thumb = await get(`/api/vision/snapshots/${stored.sha256}/thumbnail`);
    t.equal(thumb.statusCode, 200, 'a thumbnail made on the hub');
    t.equal((await sharp(thumb.rawPayload).metadata()).format, 'jpeg');
    const lan = await hub.app.inject({ url: `/api/vision/snapshots/${stored.sha256}`, remoteAddress: '192.168.1.77' });
    t.equal(lan.statusCode, 401, 'still a private read from the LAN');
    t.same(warnings, [], 'nothing failed');
  });

  const stranger = await testNode();
  t.teardown(() => stranger.journal.close());
  // The edge's node key signs, as the peer loop does through SyncService.sign.
  const edgeSync = await SyncService.open(edge.journal, tempDir(t), syncSection.parse({ cluster: CLUSTER }), createRegistry());
  const edgeSign = (path: string, body: Buffer) => signRequest({ method: 'PUT', path, cluster: CLUSTER, node: edge.journal.nodeId, body, ts: Date.now(), sign: (m) => edgeSync.sign(Buffer.from(m)) });

  await t.test('a sender asks only about snapshots it has not learnt the hub holds; under memory pressure it sends nothing', async (t) => {
    const real = new SyncClient(edgeSync);
    t.teardown(() => real.close());
    const paths: string[] = [];
    const client = { call: (...a: Parameters<SyncClient['call']>) => (paths.push(a[1]), real.call(...a)) };
    const target = { name: 'hub', url };
    const paused = new SnapshotSender({ store: edgeStore, client, hashes: () => [stored.sha256], paused: () => true });
    t.same(await paused.sendTo(target), { sent: 0, bytes: 0, left: 0 });
    t.same(paths, [], 'paused: no request');
    const sender = new SnapshotSender({ store: edgeStore, client, hashes: () => [stored.sha256] });
    t.same(await sender.sendTo(target), { sent: 0, bytes: 0, left: 0 }, 'the hub has it already');
    t.same(paths, ['/sync/snapshots/have'], 'one question');
    await sender.sendTo(target);
    t.same(paths, ['/sync/snapshots/have'], 'and none the next round');
  });

  const put = (name: string, body: Buffer, auth = edgeSign(`/sync/snapshots/${name}`, body), type = 'image/jpeg') =>
    fetch(`${url}/sync/snapshots/${name}`, { method: 'PUT', headers: { 'content-type': type, [SYNC_AUTH_HEADER]: auth }, body: new Uint8Array(body) });

  await t.test('a trusted peer that lies is refused with a code and nothing is stored', async (t) => {
    const other = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 250, g: 10, b: 10 } } }).jpeg().toBuffer();
    const before = hubStore.count;
    const named = await put(stored.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')), other);
    t.equal(named.status, 400, 'bytes under another name');
    t.equal(await codeOf(named), ErrorCodes.BAD_REQUEST);
    const notJpeg = randomBytes(4096);
    const junk = await put(sha(notJpeg), notJpeg);
    t.equal(junk.status, 400, 'not a JPEG');
    t.equal(await codeOf(junk), ErrorCodes.FRAME_INVALID);
    const cut = other.subarray(0, other.length - 200);
    const truncated = await put(sha(cut), cut);
    t.equal(await codeOf(truncated), ErrorCodes.FRAME_INVALID, 'a JPEG cut short');
    const big = Buffer.concat([other, Buffer.alloc((8 << 20) - other.length + 1)]);
    const oversized = await put(sha(big), big);
    t.equal(oversized.status, 413, 'over 8 MiB');
    t.equal(await codeOf(oversized), ErrorCodes.BODY_TOO_LARGE);
    const auth = edgeSign(`/sync/snapshots/${sha(other)}`, other);
    t.equal((await put(sha(other), other, auth)).status, 204, 'an honest one is stored');
    const again = await put(sha(other), other, auth);
    t.equal(await codeOf(again), ErrorCodes.AUTH_REPLAYED, 'and its request is taken once');
    t.equal(hubStore.count, before + 1, 'only the honest snapshot was stored');
    for (const h of [sha(notJpeg), sha(cut), sha(big)]) t.notOk(hubStore.has(h), `${h.slice(0, 8)} not stored`);
  });

  await t.test("a refused round is logged with the peer's code and retried next round", async (t) => {
    const strangerSync = await SyncService.open(stranger.journal, tempDir(t), syncSection.parse({ cluster: CLUSTER }), createRegistry());
    const client = new SyncClient(strangerSync);
    t.teardown(() => client.close());
    const logged: Array<Record<string, unknown>> = [];
    const sender = new SnapshotSender({ store: edgeStore, client, hashes: () => [stored.sha256], log: (fields) => void logged.push(fields) });
    const first = await sender.sendTo({ name: 'hub', url });
    t.equal(first.failed, ErrorCodes.UNTRUSTED_NODE, 'the hub does not trust this sender');
    t.match(logged, [{ peer: 'hub', code: ErrorCodes.UNTRUSTED_NODE }]);
    t.equal((await sender.sendTo({ name: 'hub', url })).failed, ErrorCodes.UNTRUSTED_NODE, 'asked again the next round');
  });

  await t.test('under high memory pressure the hub refuses snapshot files (the sender retries later)', async (t) => {
    const pic = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 250, b: 10 } } }).jpeg().toBuffer();
    pressure.update({ rssBytes: 95 * MIB });
    t.equal(pressure.level(), 'high');
    const busy = await put(sha(pic), pic);
    t.equal(busy.status, 503);
    t.equal(await codeOf(busy), ErrorCodes.MEMORY_PRESSURE);
    t.notOk(hubStore.has(sha(pic)), 'not stored');
    for (let i = 0; i < 3; i++) pressure.update({ rssBytes: 10 * MIB });
    t.equal(pressure.level(), 'normal');
    t.equal((await put(sha(pic), pic)).status, 204, 'taken once the pressure is over');
  });

  await t.test('an untrusted node is refused before its body is read; a huge body is not taken in', async (t) => {
    const len = 8 << 20;
    const body = Buffer.alloc(len, 0x61); // what flood() sends
    const name = sha(body);
    const auth = signRequest({ method: 'PUT', path: `/sync/snapshots/${name}`, cluster: CLUSTER, node: stranger.journal.nodeId, body, ts: Date.now(), sign: (m) => stranger.sign(Buffer.from(m)) });
    const refused = await flood({ port, method: 'PUT', path: `/sync/snapshots/${name}`, headers: { 'content-type': 'image/jpeg', [SYNC_AUTH_HEADER]: auth }, bytes: len, timeoutMs: 10_000 });
    t.equal(refused.status, 403);
    t.equal(refused.code, ErrorCodes.UNTRUSTED_NODE);
    const huge = 200 << 20;
    const unsigned = await flood({ port, method: 'PUT', path: `/sync/snapshots/${name}`, headers: { 'content-type': 'image/jpeg' }, bytes: huge, timeoutMs: 10_000 });
    t.equal(unsigned.code, ErrorCodes.AUTH_REQUIRED);
    t.ok(unsigned.written < huge, `the node closed the upload after ${unsigned.written} of ${huge} bytes`);
    t.notOk(hubStore.has(name), 'nothing stored');
  });

  await t.test('a restarted hub still has and serves what it received', async (t) => {
    const reopened = await SnapshotStore.open({ dir: join(hubDir, 'snapshots'), maxBytes: 8 << 20 });
    t.ok(reopened.has(stored.sha256));
    t.equal(sha((await reopened.get(stored.sha256))!), stored.sha256, 'the same bytes after the restart');
    t.ok(await reopened.get(stored.sha256, 'thumbnail'), 'and its thumbnail');
  });
});
