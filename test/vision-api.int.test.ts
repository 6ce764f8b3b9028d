import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import type { EventDataMap } from '../core/events/core-events.js';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import type { CameraStatus, LookResult, VisionService } from '../core/vision/vision-service.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { httpNode } from './helpers/http-node.js';
import { tempDir } from './helpers/temp-dir.js';

// The vision API over a real node: events appended to its journal (its own and a synced peer's),
// a real snapshot store on disk, and a vision service whose camera is a stand-in (hardware).

const LAN = '192.168.1.77';
const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);

async function tinyJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 24, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toBuffer();
}

/** The vision unit as the API sees it: one camera, the real store, a look that stores a snapshot. */
function standInVision(store: SnapshotStore, frame: Buffer): VisionService & { looks: Array<string | undefined> } {
  const looks: Array<string | undefined> = [];
  const door: CameraStatus = { name: 'door', describe: 'dir /tmp/door', state: 'ok', frames: 3, inferences: 2, skippedStill: 1, occupancy: { person: 1 } };
  return {
    looks,
    cameras: () => [door],
    async look(camera): Promise<LookResult> {
      looks.push(camera);
      if (camera !== undefined && camera !== 'door') throw Object.assign(new Error('no such camera'), { code: ErrorCodes.NOT_FOUND });
      const { sha256 } = await store.put(frame, []);
      return { camera: 'door', capturedAtMs: T0, detections: [{ label: 'person', score: 0.9, box: { x: 0, y: 0, w: 0.5, h: 0.5 } }], classes: [{ label: 'person', score: 0.9 }], snapshot: sha256 };
    },
    snapshot: (sha, variant) => store.get(sha, variant),
    memory: () => ({ modelsLoaded: false }),
  };
}

type Detected = EventDataMap['vision.detected'];
const detected = (d: Partial<Detected> & Pick<Detected, 'objectId' | 'phase'>): Detected => ({
  camera: 'door', label: 'person', score: 0.8, topScore: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.5 }, zones: ['porch'], startedAtMs: T0, ...d,
});

t.test('the vision API answers per its contract', async (t) => {
  const store = await SnapshotStore.open({ dir: join(tempDir(t), 'snapshots'), maxBytes: 1 << 20 });
  const frame = await tinyJpeg();
  const stored = await store.put(frame, [{ x: 0.1, y: 0.1, w: 0.2, h: 0.5 }]);
  let vision: ReturnType<typeof standInVision> | undefined = standInVision(store, frame);
  const n = await httpNode(t, { vision: () => vision });
  const self = n.journal.nodeId;

  // A peer's feed, as sync would bring it: its objects are listed, its snapshot is not here.
  const peer = await openMemoryJournal();
  t.teardown(() => peer.close());
  const peerSnapshot = 'c'.repeat(64);
  await peer.appendOne('vision.detected', detected({ camera: 'yard', objectId: 'yard-1', phase: 'new', label: 'car', snapshot: peerSnapshot }));
  await peer.appendOne('vision.classified', { camera: 'yard', top: [{ label: 'car', score: 0.7 }] });
  const raws = [];
  for await (const { body } of peer.readOrigin(peer.nodeId, 1)) raws.push({ origin: peer.nodeId, body });
  await n.journal.ingest(raws);

  await n.journal.appendOne('vision.detected', detected({ objectId: 'door-1', phase: 'new', snapshot: stored.sha256 }));
  await n.journal.appendOne('vision.detected', detected({ objectId: 'door-2', phase: 'new', label: 'dog', startedAtMs: T0 + 1000 }));
  await n.journal.appendOne('vision.detected', detected({ objectId: 'door-2', phase: 'end', label: 'dog', startedAtMs: T0 + 1000 }));
  const last = await n.journal.appendOne('vision.classified', { camera: 'door', top: [{ label: 'person', score: 0.6 }] });
  for (const r of n.node.runners.values()) await r.caughtUp(last.position);
  const get = (url: string, headers: Record<string, string> = {}) => n.app.inject({ url, headers });

  t.test('GET /api/vision lists this node\'s cameras live and the peer\'s from its events', async (t) => {
    const res = await get('/api/vision');
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.equal(body.enabled, true);
    t.match(body.cameras, [
      { name: 'door', node: self, source: 'live', state: 'ok', frames: 3, occupancy: { person: 1 }, classes: [{ label: 'person', score: 0.6 }] },
      { name: 'yard', node: peer.nodeId, source: 'journal', occupancy: { car: 1 }, latestSnapshot: peerSnapshot, classes: [{ label: 'car', score: 0.7 }] },
    ]);
    t.equal(body.cameras.length, 2);
  });

  t.test('GET /api/vision/objects lists objects newest first, filtered by camera, label and node', async (t) => {
    const all = (await get('/api/vision/objects')).json().objects;
    t.same(all.map((o: { objectId: string }) => o.objectId), ['door-2', 'door-1', 'yard-1']);
    t.match(all[0], { node: self, camera: 'door', label: 'dog', zones: ['porch'], startedAtMs: T0 + 1000 });
    t.type(all[0].endedAtMs, 'number');
    t.match(all[1], { objectId: 'door-1', snapshot: stored.sha256, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.5 } });
    t.notOk('endedAtMs' in all[1], 'door-1 is still tracked');
    const q = (s: string) => get(`/api/vision/objects?${s}`).then((r) => r.json().objects.map((o: { objectId: string }) => o.objectId));
    t.same(await q('camera=door&label=person'), ['door-1']);
    t.same(await q(`node=${encodeURIComponent(peer.nodeId)}`), ['yard-1']);
    t.same(await q('limit=1'), ['door-2']);
  });

  t.test('bad query parameters are a coded 400 and change nothing', async (t) => {
    const before = n.journal.lastPosition();
    for (const qs of ['limit=0', 'limit=abc', 'limit=501', 'camera=', 'colour=red', `camera=${'x'.repeat(41)}`]) {
      const res = await get(`/api/vision/objects?${qs}`);
      t.equal(res.statusCode, 400, qs);
      t.equal(res.json().error.code, ErrorCodes.BAD_REQUEST, qs);
    }
    t.equal(n.journal.lastPosition(), before, 'nothing journaled');
  });

  t.test('snapshots are served by hash as immutable JPEGs; unknown, peer and malformed hashes are refused', async (t) => {
    const image = await get(`/api/vision/snapshots/${stored.sha256}`);
    t.equal(image.statusCode, 200);
    t.equal(image.headers['content-type'], 'image/jpeg');
    t.match(image.headers['cache-control'], /immutable/);
    t.equal(createHash('sha256').update(image.rawPayload).digest('hex'), stored.sha256, 'the bytes hash to their name');
    const thumb = await get(`/api/vision/snapshots/${stored.sha256}/thumbnail`);
    t.equal(thumb.statusCode, 200);
    t.same([...thumb.rawPayload.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');
    t.notSame(thumb.rawPayload, image.rawPayload);
    for (const sha of ['d'.repeat(64), peerSnapshot]) {
      const missing = await get(`/api/vision/snapshots/${sha}`);
      t.equal(missing.statusCode, 404);
      t.equal(missing.json().error.code, ErrorCodes.NOT_FOUND);
    }
    for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'abc']) {
      const res = await get(`/api/vision/snapshots/${encodeURIComponent(bad)}`);
      t.equal(res.statusCode, 400, bad);
      t.equal(res.json().error.code, ErrorCodes.BAD_REQUEST);
    }
  });

  t.test('a non-loopback client without a token sees nothing; with the read token it reads but cannot look', async (t) => {
    for (const url of ['/api/vision', '/api/vision/objects', `/api/vision/snapshots/${stored.sha256}`, `/api/vision/snapshots/${stored.sha256}/thumbnail`]) {
      const res = await n.app.inject({ url, remoteAddress: LAN });
      t.equal(res.statusCode, 401, url);
      t.equal(res.json().error.code, ErrorCodes.AUTH_REQUIRED, url);
    }
    const read = { authorization: `Bearer ${n.tokens.read}` };
    t.equal((await n.app.inject({ url: '/api/vision/objects', remoteAddress: LAN, headers: read })).statusCode, 200);
    const look = await n.app.inject({ method: 'POST', url: '/api/vision/look', remoteAddress: LAN, headers: read, payload: {} });
    t.equal(look.statusCode, 403);
    t.same(vision?.looks, [], 'the camera was not asked');
  });

  t.test('POST /api/vision/look takes a frame through the vision service', async (t) => {
    const res = await n.app.inject({ method: 'POST', url: '/api/vision/look', payload: { camera: 'door' } });
    t.equal(res.statusCode, 200, res.body);
    const body = res.json();
    t.match(body, { camera: 'door', detections: [{ label: 'person' }], classes: [{ label: 'person' }] });
    t.equal((await get(`/api/vision/snapshots/${body.snapshot}`)).statusCode, 200, 'its snapshot is served');
    const bad = await n.app.inject({ method: 'POST', url: '/api/vision/look', payload: { camera: 7 } });
    t.equal(bad.json().error.code, ErrorCodes.BAD_REQUEST);
    t.same(vision?.looks, ['door'], 'a bad body never reached the camera');
  });

  t.test('with vision off: enabled false, no snapshots, and look answers SMOL_VISION_DISABLED', async (t) => {
    vision = undefined;
    const status = (await get('/api/vision')).json();
    t.equal(status.enabled, false);
    t.same(status.cameras.map((c: { node: string }) => c.node), [peer.nodeId], 'the peer\'s cameras are still known from its events');
    t.equal((await get(`/api/vision/snapshots/${stored.sha256}`)).statusCode, 404);
    const look = await n.app.inject({ method: 'POST', url: '/api/vision/look', payload: {} });
    t.equal(look.statusCode, 409);
    t.equal(look.json().error.code, ErrorCodes.VISION_DISABLED);
    t.equal((await get('/api/vision/objects')).json().objects.length, 3, 'the objects are still listed');
  });
});
