import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId } from '../core/events/event.js';
import type { SmolEvent } from '../core/events/event.js';
import { splitState, assembleState } from '../core/projection/state-chunks.js';
import {
  MAX_VISION_CAMERAS, MAX_VISION_OBJECTS, getVisionCamera, listVisionCameras, listVisionObjects, openObjects, visionProjection,
} from '../projections/vision.js';
import type { VisionState } from '../projections/vision.js';

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const SNAP_A = 'a'.repeat(64);
const SNAP_B = 'b'.repeat(64);
const seqs = new Map<string, number>();

function ev(origin: string, ms: number, type: string, data: unknown): SmolEvent {
  const seq = (seqs.get(origin) ?? 0) + 1;
  seqs.set(origin, seq);
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type, v: 1, data, prev: GENESIS_PREV };
}

interface Det {
  camera?: string;
  objectId: string;
  phase: 'new' | 'update' | 'end';
  label?: string;
  score?: number;
  topScore?: number;
  zones?: string[];
  snapshot?: string;
  startedAtMs?: number;
}

const det = (origin: string, ms: number, d: Det) => ev(origin, ms, 'vision.detected', {
  camera: d.camera ?? 'door', objectId: d.objectId, phase: d.phase, label: d.label ?? 'person', score: d.score ?? 0.8,
  topScore: d.topScore ?? d.score ?? 0.8, box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, zones: d.zones ?? [],
  ...(d.snapshot ? { snapshot: d.snapshot } : {}), startedAtMs: d.startedAtMs ?? T0,
});

function given(...events: SmolEvent[]): VisionState {
  let state = visionProjection.initial();
  for (const e of events) state = visionProjection.apply(state, e, () => { throw new Error('vision emits no records'); });
  return state;
}

t.test('given new then update then end, one object with its whole lifecycle, and no occupancy after the end', async (t) => {
  const open = given(
    det('A', T0, { objectId: 'door-1', phase: 'new', score: 0.6, zones: ['porch'], snapshot: SNAP_A }),
    det('A', T0 + 2000, { objectId: 'door-1', phase: 'update', score: 0.9, topScore: 0.9, zones: ['porch', 'path'], snapshot: SNAP_B }),
  );
  t.same(getVisionCamera(open, 'A', 'door')?.occupancy, { person: 1 });
  t.equal(getVisionCamera(open, 'A', 'door')?.latestSnapshot, SNAP_B);
  t.match(openObjects(open, 'A'), [{ objectId: 'door-1', topScore: 0.9, zones: ['porch', 'path'], lastSeenAtMs: T0 + 2000 }]);

  const ended = given(
    det('A', T0, { objectId: 'door-1', phase: 'new', score: 0.6, snapshot: SNAP_A }),
    det('A', T0 + 2000, { objectId: 'door-1', phase: 'update', score: 0.9, topScore: 0.9, snapshot: SNAP_B }),
    det('A', T0 + 9000, { objectId: 'door-1', phase: 'end', score: 0.7, topScore: 0.9 }),
  );
  const [obj] = listVisionObjects(ended);
  t.same(obj, {
    node: 'A', camera: 'door', objectId: 'door-1', label: 'person', score: 0.7, topScore: 0.9,
    box: { x: 0.1, y: 0.2, w: 0.3, h: 0.4 }, zones: [], snapshot: SNAP_B, startedAtMs: T0, lastSeenAtMs: T0 + 2000, endedAtMs: T0 + 9000,
  });
  t.same(getVisionCamera(ended, 'A', 'door')?.occupancy, {});
  t.same(openObjects(ended, 'A'), []);
});

t.test('occupancy counts open objects by label per node and camera; openObjects is per node', async (t) => {
  const state = given(
    det('A', T0, { objectId: 'door-1', phase: 'new' }),
    det('A', T0 + 1, { objectId: 'door-2', phase: 'new' }),
    det('A', T0 + 2, { objectId: 'door-3', phase: 'new', label: 'dog' }),
    det('A', T0 + 3, { camera: 'yard', objectId: 'yard-1', phase: 'new', label: 'car' }),
    det('B', T0 + 4, { objectId: 'door-1', phase: 'new', label: 'cat' }),
  );
  t.same(getVisionCamera(state, 'A', 'door')?.occupancy, { person: 2, dog: 1 });
  t.same(getVisionCamera(state, 'A', 'yard')?.occupancy, { car: 1 });
  t.same(getVisionCamera(state, 'B', 'door')?.occupancy, { cat: 1 }, 'the same camera name on another node is another camera');
  t.same(listVisionCameras(state).map((c) => [c.node, c.camera]), [['A', 'door'], ['A', 'yard'], ['B', 'door']]);
  t.same(openObjects(state, 'B').map((o) => o.label), ['cat']);
  t.equal(openObjects(state, 'A').length, 4);
});

t.test('a duplicate end changes nothing; an update after the end does not reopen the object', async (t) => {
  const once = given(
    det('A', T0, { objectId: 'door-1', phase: 'new' }),
    det('A', T0 + 5000, { objectId: 'door-1', phase: 'end' }),
  );
  const twice = given(
    det('A', T0, { objectId: 'door-1', phase: 'new' }),
    det('A', T0 + 5000, { objectId: 'door-1', phase: 'end' }),
    det('A', T0 + 8000, { objectId: 'door-1', phase: 'end', score: 0.1 }),
    det('A', T0 + 9000, { objectId: 'door-1', phase: 'update', score: 0.2 }),
  );
  t.same(listVisionObjects(twice), listVisionObjects(once));
  t.equal(listVisionObjects(twice)[0]?.endedAtMs, T0 + 5000);
  t.same(openObjects(twice, 'A'), []);
});

t.test('an end without a new is recorded as an ended object from what it carries, with no occupancy', async (t) => {
  const state = given(det('A', T0 + 7000, { objectId: 'door-9', phase: 'end', label: 'car', startedAtMs: T0 }));
  t.match(listVisionObjects(state), [{ objectId: 'door-9', label: 'car', startedAtMs: T0, endedAtMs: T0 + 7000 }]);
  t.same(getVisionCamera(state, 'A', 'door')?.occupancy, {});
  t.same(openObjects(state, 'A'), []);
});

t.test('an update without a new opens the object (its new fell out of history)', async (t) => {
  const state = given(det('A', T0 + 3000, { objectId: 'door-4', phase: 'update', startedAtMs: T0 }));
  t.match(openObjects(state, 'A'), [{ objectId: 'door-4', startedAtMs: T0, lastSeenAtMs: T0 + 3000 }]);
});

t.test('a lying peer naming a new camera and object per event cannot grow the state beyond its bounds', async (t) => {
  const events: SmolEvent[] = [];
  for (let i = 0; i < MAX_VISION_OBJECTS + 40; i += 1) {
    events.push(det('liar', T0 + i, { camera: `cam-${i}`, objectId: `o-${i}`, phase: 'new', startedAtMs: T0 + i }));
  }
  const state = given(...events);
  t.equal(Object.keys(state.objects).length, MAX_VISION_OBJECTS);
  t.equal(Object.keys(state.cameras).length, MAX_VISION_CAMERAS);
  t.equal(state.evicted, 40);
  t.equal(listVisionObjects(state, { limit: 1 })[0]?.objectId, `o-${MAX_VISION_OBJECTS + 39}`, 'the newest is kept');
  t.equal(getVisionCamera(state, 'liar', 'cam-0'), undefined, 'the camera heard from least recently went');
});

t.test('the bound drops the oldest ended object before any open one', async (t) => {
  const events: SmolEvent[] = [det('A', T0, { objectId: 'keep-open', phase: 'new' })];
  for (let i = 0; i < MAX_VISION_OBJECTS; i += 1) {
    events.push(det('A', T0 + 10 + i, { objectId: `o-${i}`, phase: 'new', startedAtMs: T0 + 10 + i }));
    events.push(det('A', T0 + 11 + i, { objectId: `o-${i}`, phase: 'end', startedAtMs: T0 + 10 + i }));
  }
  const state = given(...events);
  t.equal(Object.keys(state.objects).length, MAX_VISION_OBJECTS);
  t.same(openObjects(state, 'A').map((o) => o.objectId), ['keep-open']);
  t.notOk(listVisionObjects(state, { limit: 1000 }).some((o) => o.objectId === 'o-0'), 'the oldest ended one was dropped');
});

t.test('the latest classification per camera; a classification from the past does not replace a newer one', async (t) => {
  const state = given(
    ev('A', T0 + 2000, 'vision.classified', { camera: 'door', top: [{ label: 'person', score: 0.5 }] }),
    ev('A', T0 + 1000, 'vision.classified', { camera: 'door', top: [{ label: 'car', score: 0.9 }] }),
  );
  t.match(getVisionCamera(state, 'A', 'door'), { classes: [{ label: 'person', score: 0.5 }], classifiedAtMs: T0 + 2000 });
});

t.test('queries filter by node, camera, label and time, newest first, limited', async (t) => {
  const state = given(
    det('A', T0, { objectId: 'door-1', phase: 'new', startedAtMs: T0 }),
    det('A', T0 + 60_000, { objectId: 'door-2', phase: 'new', label: 'dog', startedAtMs: T0 + 60_000 }),
    det('A', T0 + 120_000, { camera: 'yard', objectId: 'yard-1', phase: 'new', startedAtMs: T0 + 120_000 }),
    det('B', T0 + 180_000, { objectId: 'door-1', phase: 'new', startedAtMs: T0 + 180_000 }),
  );
  t.same(listVisionObjects(state).map((o) => `${o.node}/${o.objectId}`), ['B/door-1', 'A/yard-1', 'A/door-2', 'A/door-1']);
  t.same(listVisionObjects(state, { node: 'A', camera: 'door' }).map((o) => o.objectId), ['door-2', 'door-1']);
  t.same(listVisionObjects(state, { label: 'dog' }).map((o) => o.objectId), ['door-2']);
  t.same(listVisionObjects(state, { sinceMs: T0 + 100_000 }).map((o) => o.objectId), ['door-1', 'yard-1', 'door-2', 'door-1'], 'objects tracked now are always recent');
  const ended = given(
    det('A', T0, { objectId: 'door-1', phase: 'new', startedAtMs: T0 }),
    det('A', T0 + 1000, { objectId: 'door-1', phase: 'end', startedAtMs: T0 }),
    det('A', T0 + 120_000, { camera: 'yard', objectId: 'yard-1', phase: 'new', startedAtMs: T0 + 120_000 }),
    det('A', T0 + 121_000, { camera: 'yard', objectId: 'yard-1', phase: 'end', startedAtMs: T0 + 120_000 }),
  );
  t.same(listVisionObjects(ended, { sinceMs: T0 + 100_000 }).map((o) => o.objectId), ['yard-1'], 'an object that left before sinceMs is not');
  t.equal(listVisionObjects(state, { limit: 2 }).length, 2);
});

t.test('the state survives its stored chunks unchanged (what a checkpoint restores)', async (t) => {
  const state = given(
    det('A', T0, { objectId: 'door-1', phase: 'new', snapshot: SNAP_A }),
    det('A', T0 + 1, { objectId: 'door-2', phase: 'new' }),
    det('A', T0 + 2, { objectId: 'door-2', phase: 'end' }),
  );
  const restored = assembleState(splitState(state, 200)) as VisionState;
  t.same(restored, state);
  t.same(listVisionObjects(restored), listVisionObjects(state));
});
