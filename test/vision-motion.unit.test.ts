import t from 'tap';
import { changedFraction, gate, maskPixels, type GrayFrame, type MotionSettings, type MotionState } from '../core/vision/motion.js';

// Motion gating on synthetic 64×48 grayscale thumbnails: the models run on the first frame, on a
// change over the threshold (mask left out) and on a heartbeat, and not on a still scene.

const W = 64;
const H = 48;
const settings: MotionSettings = { threshold: 0.01, pixelDelta: 25, heartbeatMs: 300_000 };
const noMask = maskPixels(W, H, []);

function scene(fill = 100): GrayFrame {
  return { width: W, height: H, gray: new Uint8Array(W * H).fill(fill) };
}
/** A scene with a bright rectangle drawn in it (pixel coordinates). */
function withRect(base: GrayFrame, x0: number, y0: number, w: number, h: number, level = 230): GrayFrame {
  const gray = Uint8Array.from(base.gray);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) gray[y * W + x] = level;
  return { ...base, gray };
}
/** Sensor noise: every pixel moved by up to ±amp grey levels (deterministic). */
function noisy(base: GrayFrame, amp: number): GrayFrame {
  return { ...base, gray: base.gray.map((v, i) => v + (((i * 7919) % (2 * amp + 1)) - amp)) };
}

t.test('the first frame runs the models and becomes the reference', async (t) => {
  const r = gate({}, scene(), 0, settings, noMask);
  t.equal(r.run, true);
  t.equal(r.reason, 'first');
  t.ok(r.state.reference);
});

t.test('a still scene with sensor noise does not run the models', async (t) => {
  let state: MotionState = gate({}, scene(), 0, settings, noMask).state;
  for (let i = 1; i <= 10; i++) {
    const r = gate(state, noisy(scene(), 10), i * 5000, settings, noMask);
    t.equal(r.run, false, `frame ${i} is still`);
    t.equal(r.changed, 0);
    state = r.state;
  }
});

t.test('a person-sized change runs the models and moves the reference', async (t) => {
  const first = gate({}, scene(), 0, settings, noMask);
  const person = withRect(scene(), 30, 10, 6, 20); // 120 of 3072 pixels ≈ 3.9 %
  const r = gate(first.state, person, 5000, settings, noMask);
  t.equal(r.run, true);
  t.equal(r.reason, 'motion');
  t.ok(Math.abs(r.changed - 120 / (W * H)) < 1e-9, 'the changed fraction is the rectangle');
  t.equal(gate(r.state, person, 10_000, settings, noMask).run, false, 'the same scene again is still');
});

t.test('a change under the threshold does not run; small changes add up against the last frame the models saw', async (t) => {
  const first = gate({}, scene(), 0, settings, noMask);
  const small = withRect(scene(), 0, 0, 4, 4); // 16 px ≈ 0.5 %
  const r1 = gate(first.state, small, 5000, settings, noMask);
  t.equal(r1.run, false);
  const more = withRect(small, 10, 10, 4, 4); // 32 px ≈ 1.04 % against the reference
  t.equal(gate(r1.state, more, 10_000, settings, noMask).run, true);
});

t.test('changes inside the mask do not count', async (t) => {
  const mask = maskPixels(W, H, [[[0.5, 0], [1, 0], [1, 1], [0.5, 1]]]); // the right half
  t.equal(mask.reduce((a, b) => a + b, 0), (W * H) / 2, 'the mask covers half the pixels');
  const first = gate({}, scene(), 0, settings, mask);
  const tree = withRect(scene(), 40, 0, 24, 48); // waving tree on the right
  t.equal(gate(first.state, tree, 5000, settings, mask).run, false, 'a change in the masked half is ignored');
  const person = withRect(scene(), 5, 10, 6, 20);
  const r = gate(first.state, person, 5000, settings, mask);
  t.equal(r.run, true);
  t.ok(Math.abs(r.changed - 120 / ((W * H) / 2)) < 1e-9, 'the fraction is of the unmasked pixels');
});

t.test('a still scene still runs the models once per heartbeat', async (t) => {
  const first = gate({}, scene(), 0, settings, noMask);
  t.equal(gate(first.state, scene(), 299_999, settings, noMask).run, false);
  const r = gate(first.state, scene(), 300_000, settings, noMask);
  t.equal(r.run, true);
  t.equal(r.reason, 'heartbeat');
});

t.test('a thumbnail of another size restarts the reference; changedFraction refuses mismatched sizes', async (t) => {
  const first = gate({}, scene(), 0, settings, noMask);
  const other: GrayFrame = { width: 32, height: 24, gray: new Uint8Array(32 * 24) };
  t.equal(gate(first.state, other, 5000, settings, noMask).reason, 'resized');
  t.throws(() => changedFraction(scene(), other, noMask, 25), TypeError);
});
