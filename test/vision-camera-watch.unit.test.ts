import t from 'tap';
import { afterInference, beforeInference, initialWatch, withoutFrame, type CameraWatchState } from '../core/vision/camera-watch.js';
import { maskPixels, type GrayFrame } from '../core/vision/motion.js';
import type { TrackerSettings, VisionDetectedData } from '../core/vision/tracker.js';
import type { Detection } from '../core/vision/vision-port.js';

// A camera watched frame by frame: the motion gate and the tracker together. Given thumbnails and
// what the models would find in them, when the frames come every 5 s, then these events.

const W = 64;
const H = 48;
const motion = { threshold: 0.01, pixelDelta: 25, heartbeatMs: 300_000 };
const ignored = maskPixels(W, H, []);
const settings: TrackerSettings = { labels: ['person'], minScore: 0.5, minArea: 0.01, endAfterMs: 30_000, zones: [], mask: [] };

const empty: GrayFrame = { width: W, height: H, gray: new Uint8Array(W * H).fill(90) };
function withPerson(): GrayFrame {
  const gray = Uint8Array.from(empty.gray);
  for (let y = 10; y < 40; y++) for (let x = 20; x < 30; x++) gray[y * W + x] = 220;
  return { ...empty, gray };
}
const person: Detection = { label: 'person', score: 0.9, box: { x: 0.3, y: 0.2, w: 0.16, h: 0.62 } };

/** Runs the frames; the models "see" a person exactly in frames that have one. */
function run(frames: GrayFrame[]): { events: VisionDetectedData[]; inferences: number; state: CameraWatchState } {
  let state = initialWatch('porch');
  const events: VisionDetectedData[] = [];
  let inferences = 0;
  frames.forEach((f, i) => {
    const at = i * 5000;
    const d = beforeInference(state, f, at, motion, ignored);
    state = d.state;
    if (!d.run) return;
    inferences++;
    const r = afterInference(state, settings, f === empty ? [] : [person], at);
    state = r.watch;
    events.push(...r.events);
  });
  return { events, inferences, state };
}

t.test('a person comes, stands still for five minutes and leaves: new, end, and few inferences', async (t) => {
  const p = withPerson();
  const frames = [empty, ...Array.from({ length: 60 }, () => p), ...Array.from({ length: 10 }, () => empty)];
  const { events, inferences } = run(frames);
  t.same(events.map((e) => e.phase), ['new', 'end'], 'no storm while standing, an end after leaving');
  t.ok(inferences <= 12, `the models ran ${inferences} times for ${frames.length} frames`);
});

t.test('a still empty scene runs the models once, then only on the heartbeat', async (t) => {
  const { inferences, events } = run(Array.from({ length: 61 }, () => empty)); // 5 minutes
  t.equal(inferences, 2);
  t.same(events, []);
});

t.test('gating off: every frame goes to the models', async (t) => {
  const state = initialWatch('porch');
  t.equal(beforeInference(state, empty, 0, undefined, ignored).reason, 'always');
});

t.test('a camera that stops giving frames ends its objects after endAfterMs', async (t) => {
  const { state } = run([withPerson()]);
  t.same(withoutFrame(state, settings, 29_000).events, []);
  t.match(withoutFrame(state, settings, 30_000).events, [{ phase: 'end', label: 'person' }]);
});
