import t from 'tap';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { createRegistry } from '../core/events/default-registry.js';
import { importSegment } from '../core/sync/segment-import.js';
import { MAX_VISION_CAMERAS, MAX_VISION_OBJECTS, type VisionState } from '../projections/vision.js';
import { CLUSTER, exportFor, testNode, type TestNode } from './helpers/segment-fixtures.js';
import { httpNode } from './helpers/http-node.js';

// A trusted peer that lies about what its cameras saw. Its feed is signed and chains, so only the
// schemas stand between its vision events and a hub's state: every lie below is refused at import
// as SMOL_EVENT_INVALID and nothing of the segment applies; a flood of well-formed objects and
// cameras is kept within the projection's bounds, and cannot end this node's own objects.

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const honest = { camera: 'yard', objectId: 'y-1', phase: 'new' as const, label: 'person', score: 0.8, topScore: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.5 }, zones: [] as string[], startedAtMs: T0 };

const lies: Array<[string, Record<string, unknown>]> = [
  ['a 100 kB label', { label: 'x'.repeat(100_000) }],
  ['a 1 MB object id', { objectId: 'o'.repeat(1 << 20) }],
  ['a box outside the frame', { box: { x: 5, y: -1, w: 1e9, h: 0.5 } }],
  ['a score above 1', { score: 7, topScore: 7 }],
  ['a score that is not a number', { score: null }],
  ['a snapshot that is a path', { snapshot: '../../etc/passwd' }],
  ['a thousand zones', { zones: Array.from({ length: 1000 }, (_, i) => `z${i}`) }],
  ['an empty camera name', { camera: '' }],
  ['a phase that does not exist', { phase: 'teleported' }],
  ['a negative start', { startedAtMs: -1 }],
  ['a fractional start', { startedAtMs: 1.5 }],
  ['a missing box', { box: undefined }],
];

async function importFrom(node: { journal: TestNode['journal'] }, peer: TestNode, bytes: Buffer) {
  return importSegment(node.journal, () => [bytes], { registry: createRegistry(), cluster: CLUSTER, isTrusted: (id) => id === peer.journal.nodeId });
}

t.test('a trusted peer lying about its detections', async (t) => {
  const hub = await httpNode(t, {}, { role: 'llama' });
  const state = () => hub.node.runner<VisionState>('vision').state;
  // This node's own object, open on camera "yard" with the same object id the peer will use.
  const own = await hub.journal.appendOne('vision.detected', honest);
  for (const r of hub.node.runners.values()) await r.caughtUp(own.position);

  for (const [what, change] of lies) {
    await t.test(`${what}: SMOL_EVENT_INVALID, nothing applied`, async (t) => {
      const peer = await testNode();
      t.teardown(() => peer.journal.close());
      await peer.journal.append([{ type: 'vision.detected', v: 1, data: honest }]);
      await peer.journal.append([{ type: 'vision.detected', v: 1, data: { ...honest, ...change } }]);
      const before = hub.journal.vector();
      const err = await importFrom(hub, peer, await exportFor(peer, {})).catch((e: unknown) => e);
      t.ok(isSmolError(err) && err.code === ErrorCodes.EVENT_INVALID, `refused: ${(err as Error)?.message?.slice(0, 160)}`);
      t.same(hub.journal.vector(), before, 'not even the honest event before the lie was taken');
    });
  }
  t.equal(Object.keys(state().objects).length, 1, 'the projection holds only our own object');

  await t.test('thousands of well-formed objects and cameras stay within the bounds; our own object stays open', async (t) => {
    const peer = await testNode(100_000);
    t.teardown(() => peer.journal.close());
    for (let i = 0; i < 3000; i += 500) {
      const drafts = [];
      for (let j = i; j < i + 500; j++) drafts.push({ type: 'vision.detected', v: 1, data: { ...honest, camera: `cam-${j % 200}`, objectId: `o-${j}`, startedAtMs: T0 + j } });
      await peer.journal.append(drafts);
    }
    // The peer "ends" an object with our camera and id: it can only speak for its own feed.
    await peer.journal.append([{ type: 'vision.detected', v: 1, data: { ...honest, phase: 'end' } }]);
    const outcome = await importFrom(hub, peer, await exportFor(peer, {}));
    t.ok(outcome, 'imported');
    const runner = hub.node.runner<VisionState>('vision');
    await runner.caughtUp();
    const s = runner.state;
    t.ok(Object.keys(s.objects).length <= MAX_VISION_OBJECTS, `${Object.keys(s.objects).length} objects kept`);
    t.ok(Object.keys(s.cameras).length <= MAX_VISION_CAMERAS, `${Object.keys(s.cameras).length} cameras kept`);
    t.ok(s.evicted > 0, 'the rest were evicted');
    const ours = Object.values(s.objects).find((o) => o.node === hub.journal.nodeId);
    t.ok(ours, 'our own open object survives the flood (the bound drops ended objects first, then the oldest open)');
    t.equal(ours?.endedAtMs, undefined, "the peer's end did not end our object");
    t.ok(Object.values(s.cameras).some((c) => c.node === hub.journal.nodeId && c.camera === 'yard'), "our camera is not pushed out by the peer's 200");

    const res = await hub.app.inject({ url: '/api/vision/objects?limit=500' });
    t.equal(res.statusCode, 200);
    t.ok(res.json().objects.length <= MAX_VISION_OBJECTS);
    const cams = await hub.app.inject({ url: '/api/vision' });
    t.ok(cams.json().cameras.length <= MAX_VISION_CAMERAS, 'the cameras list is bounded too');
  });
});
