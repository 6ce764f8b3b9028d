import t from 'tap';
import { ErrorCodes, SmolError } from '../core/errors.js';
import { CameraPoller } from '../adapters/vision/cameras/camera-poller.js';
import type { CameraSource, CapturedFrame } from '../core/vision/vision-port.js';
import { ManualTimeouts } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

// A camera that cannot be read is retried with backoff, reported in its health, and never gives
// a made-up frame; a camera that works is read every interval.

/** A camera double (the hardware boundary): fails while `failing`, otherwise gives a frame. */
class FlakyCamera implements CameraSource {
  readonly name = 'porch';
  readonly describe = 'test double';
  failing = true;
  grabs = 0;
  closed = false;
  async grab(): Promise<CapturedFrame> {
    this.grabs++;
    if (this.failing) throw new SmolError(ErrorCodes.CAMERA_UNAVAILABLE, 'camera porch: unplugged');
    return { camera: this.name, image: Buffer.from([0xff, 0xd8, 0xff]), capturedAtMs: this.grabs };
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The delay of the one pending timer (the poller keeps exactly one). */
function pendingDelay(timers: ManualTimeouts): number | undefined {
  const all = [...timers.pending.values()];
  return all.length === 1 ? all[0]?.ms : undefined;
}

t.test('failures back off exponentially (capped), are in the health, and a success resets the interval', async (t) => {
  const timers = new ManualTimeouts();
  const camera = new FlakyCamera();
  const frames: CapturedFrame[] = [];
  const errors: string[] = [];
  const poller = new CameraPoller({
    camera,
    intervalMs: 5000,
    maxBackoffMs: 60_000,
    timers,
    random: () => 0.5,
    now: () => timers.now,
    onFrame: async (f) => void frames.push(f),
    onCameraError: (e) => void errors.push((e as SmolError).code),
  });
  poller.start();
  const delays: number[] = [];
  for (let i = 1; i <= 6; i++) {
    timers.advance(pendingDelay(timers) ?? 0);
    await waitFor(() => camera.grabs === i && pendingDelay(timers) !== undefined, { timeoutMs: 2000, message: `grab ${i} to fail and the next to be scheduled` });
    delays.push(pendingDelay(timers) ?? -1);
  }
  t.same(delays, [7500, 15_000, 30_000, 45_000, 45_000, 45_000], 'interval × 2^n with equal jitter, capped at 60 s');
  t.equal(frames.length, 0, 'no frame is made up');
  t.same(new Set(errors), new Set(['SMOL_CAMERA_UNAVAILABLE']));
  t.match(poller.health, { failures: 6, lastError: { code: 'SMOL_CAMERA_UNAVAILABLE', message: /unplugged/ } });

  camera.failing = false;
  timers.advance(pendingDelay(timers) ?? 0);
  await waitFor(() => frames.length === 1 && pendingDelay(timers) !== undefined, { timeoutMs: 2000, message: 'the camera to come back' });
  t.equal(pendingDelay(timers), 5000, 'back to the interval');
  t.match(poller.health, { failures: 0 });
  t.notOk(poller.health.lastError, 'the error is cleared once it works');
  await poller.stop();
  t.equal(camera.closed, true, 'stop closes the camera');
  t.equal(timers.pending.size, 0, 'and leaves no timer');
});

t.test('a failing frame handler is not the camera failing: no backoff', async (t) => {
  const timers = new ManualTimeouts();
  const camera = new FlakyCamera();
  camera.failing = false;
  const handled: unknown[] = [];
  const poller = new CameraPoller({
    camera,
    intervalMs: 5000,
    timers,
    onFrame: async () => {
      throw new SmolError(ErrorCodes.VISION_MODEL_FAILED, 'model broke');
    },
    onFrameError: (e) => void handled.push(e),
  });
  poller.start();
  timers.advance(0);
  await waitFor(() => handled.length === 1 && pendingDelay(timers) !== undefined, { timeoutMs: 2000, message: 'the handler error' });
  t.equal(pendingDelay(timers), 5000);
  t.equal(poller.health.failures, 0);
  await poller.stop();
});
