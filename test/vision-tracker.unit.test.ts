import t from 'tap';
import { classificationChanged } from '../core/vision/classification-change.js';
import { attachSnapshot, expire, initialTracker, stillFrame, track, wantsFrames, type TrackerSettings, type TrackerState, type VisionDetectedData } from '../core/vision/tracker.js';
import type { Box, Detection } from '../core/vision/vision-port.js';

// The tracking lifecycle as given frames (detections at a time) / when / then vision.detected data.

const settings: TrackerSettings = {
  labels: ['person', 'car', 'dog', 'cat', 'bicycle'],
  minScore: 0.5,
  minArea: 0.01,
  endAfterMs: 30_000,
  zones: [{ name: 'driveway', points: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] }],
  mask: [[[0.9, 0], [1, 0], [1, 0.2], [0.9, 0.2]]],
};

const box = (x: number, y: number, w = 0.2, h = 0.4): Box => ({ x, y, w, h });
const person = (b: Box, score = 0.8): Detection => ({ label: 'person', score, box: b });

/** Runs frames [atMs, detections] through a fresh tracker; returns every event in order and the state. */
function given(frames: Array<[number, Detection[]]>, s: TrackerSettings = settings): { events: VisionDetectedData[]; state: TrackerState } {
  let state = initialTracker('porch');
  const events: VisionDetectedData[] = [];
  for (const [at, dets] of frames) {
    const r = track(state, s, dets, at);
    state = r.state;
    events.push(...r.events);
  }
  return { events, state };
}

t.test('a person appears: one new event with label, score, box, zones, camera and start', async (t) => {
  const { events } = given([[1000, [person(box(0.6, 0.1), 0.82)]]]);
  t.equal(events.length, 1);
  t.match(events[0], { camera: 'porch', phase: 'new', label: 'person', score: 0.82, topScore: 0.82, box: box(0.6, 0.1), zones: [], startedAtMs: 1000 });
  t.notOk(events[0] && 'snapshot' in events[0], 'no snapshot until one is attached');
});

t.test('a person standing still (jittering boxes and scores) produces no updates: no event storm', async (t) => {
  const frames: Array<[number, Detection[]]> = [];
  for (let i = 0; i < 100; i++) frames.push([i * 5000, [person(box(0.3 + (i % 3) * 0.005, 0.2 - (i % 2) * 0.004), 0.8 + (i % 4) * 0.01)]]);
  const { events } = given(frames);
  t.same(events.map((e) => e.phase), ['new'], '100 frames, one event');
});

t.test('a person walking across produces updates as the box moves, with one objectId', async (t) => {
  const frames: Array<[number, Detection[]]> = [];
  for (let i = 0; i < 6; i++) frames.push([i * 5000, [person(box(0.1 + i * 0.06, 0.1))]]);
  const { events } = given(frames);
  t.equal(events[0]?.phase, 'new');
  t.ok(events.filter((e) => e.phase === 'update').length >= 2, 'moving updates');
  t.equal(new Set(events.map((e) => e.objectId)).size, 1, 'the same object throughout');
  t.ok(events.every((e) => e.startedAtMs === 0));
});

t.test('a rising best score is an update; a falling one is not', async (t) => {
  const { events } = given([
    [0, [person(box(0.3, 0.1), 0.6)]],
    [5000, [person(box(0.3, 0.1), 0.58)]],
    [10_000, [person(box(0.3, 0.1), 0.9)]],
    [15_000, [person(box(0.3, 0.1), 0.7)]],
  ]);
  t.same(events.map((e) => [e.phase, e.score, e.topScore]), [['new', 0.6, 0.6], ['update', 0.9, 0.9]]);
});

t.test('an object gone for endAfterMs ends, with its last box and best score; not before', async (t) => {
  const { events, state } = given([
    [0, [person(box(0.3, 0.1), 0.9)]],
    [5000, []],
    [29_999, []],
  ]);
  t.same(events.map((e) => e.phase), ['new'], 'still tracked within endAfterMs');
  t.equal(wantsFrames(state), true, 'a missing object asks for frames until it ends');
  const r = track(state, settings, [], 30_000);
  t.match(r.events, [{ phase: 'end', topScore: 0.9, box: box(0.3, 0.1), startedAtMs: 0 }]);
  t.equal(r.state.objects.length, 0);
  t.equal(wantsFrames(r.state), false);
});

t.test('a missed frame does not split an object: it comes back with the same id', async (t) => {
  const { events } = given([
    [0, [person(box(0.3, 0.1))]],
    [5000, []],
    [10_000, [person(box(0.3, 0.1))]],
  ]);
  t.same(events.map((e) => e.phase), ['new']);
});

t.test('still frames (motion gate) keep a seen object alive; expire ends it without frames', async (t) => {
  let { state } = given([[0, [person(box(0.3, 0.1))]]]);
  for (let at = 5000; at <= 120_000; at += 5000) state = stillFrame(state, at);
  t.equal(expire(state, settings, 120_000).events.length, 0, 'a still person does not end');
  t.match(expire(state, settings, 150_000).events, [{ phase: 'end' }], 'a camera that gives no frames ends it after endAfterMs');
});

t.test('two people are two objects; a car is never matched to a person', async (t) => {
  const { events, state } = given([
    [0, [person(box(0.1, 0.1)), person(box(0.6, 0.1))]],
    [5000, [person(box(0.1, 0.1)), person(box(0.6, 0.1)), { label: 'car', score: 0.9, box: box(0.6, 0.1) }]],
  ]);
  t.same(events.map((e) => `${e.phase} ${e.label}`), ['new person', 'new person', 'new car']);
  t.equal(new Set(state.objects.map((o) => o.id)).size, 3, 'unique ids');
});

t.test('filters: labels of interest, minimum score, minimum area, masked centres', async (t) => {
  const { events } = given([
    [0, [
      { label: 'toaster', score: 0.99, box: box(0.1, 0.1) },
      person(box(0.1, 0.1), 0.49),
      person(box(0.1, 0.1, 0.05, 0.1)), // 0.5 % of the frame
      person(box(0.9, 0, 0.08, 0.15)), // centre in the mask
      { label: 'dog', score: 0.7, box: box(0.4, 0.5) },
    ]],
  ]);
  t.same(events.map((e) => e.label), ['dog']);
});

t.test('zones: by the bottom centre of the box; entering a zone is an update', async (t) => {
  const { events } = given([
    [0, [person(box(0.1, 0.08, 0.2, 0.4))]], // feet at (0.2, 0.48): outside
    [5000, [person(box(0.1, 0.12, 0.2, 0.4))]], // feet at (0.2, 0.52): in the driveway, boxes overlap 0.82, not a move
  ]);
  t.same(events.map((e) => [e.phase, e.zones]), [['new', []], ['update', ['driveway']]]);
});

t.test('the best frame is reported for a snapshot, and later events carry the attached hash', async (t) => {
  let state = initialTracker('porch');
  const r1 = track(state, settings, [person(box(0.3, 0.1), 0.6)], 0);
  t.equal(r1.bestFrame.length, 1);
  const hash = 'ab'.repeat(32);
  state = attachSnapshot(r1.state, r1.bestFrame[0]?.objectId ?? '', hash);
  const r2 = track(state, settings, [person(box(0.3, 0.1), 0.55)], 5000);
  t.equal(r2.bestFrame.length, 0, 'a worse frame is not a better snapshot');
  const r3 = track(r2.state, settings, [person(box(0.3, 0.1), 0.95)], 10_000);
  t.equal(r3.bestFrame.length, 1);
  t.equal(r3.events[0]?.snapshot, hash, 'the update references the snapshot attached so far');
});

t.test('vision.classified: reported when the top-k set of labels changes, not when scores drift', async (t) => {
  const a = classificationChanged({}, [{ label: 'kitchen', score: 0.6 }, { label: 'oven', score: 0.2 }, { label: 'cat', score: 0.01 }], 2, 0.05);
  t.same(a.report, [{ label: 'kitchen', score: 0.6 }, { label: 'oven', score: 0.2 }]);
  const b = classificationChanged(a.state, [{ label: 'oven', score: 0.5 }, { label: 'kitchen', score: 0.4 }], 2, 0.05);
  t.equal(b.report, undefined, 'same set, other scores and order');
  const c = classificationChanged(b.state, [{ label: 'kitchen', score: 0.5 }, { label: 'cat', score: 0.4 }], 2, 0.05);
  t.same(c.report?.map((x) => x.label), ['kitchen', 'cat']);
  t.equal(classificationChanged(c.state, [{ label: 'x', score: 0.01 }], 2, 0.05).report, undefined, 'nothing over minScore: no report');
});
