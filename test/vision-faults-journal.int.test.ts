import { join } from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { cameraSchema } from '../adapters/config/sections/vision.js';
import { CameraPipeline } from '../adapters/vision/camera-pipeline.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { ErrorCodes, SmolError } from '../core/errors.js';
import type { EventDraft } from '../core/events/event.js';
import type { CameraSource, CapturedFrame, Detection, VisionModels } from '../core/vision/vision-port.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// The pipeline when the journal refuses (a full disk, SMOL_DISK_FULL) and when snapshots are
// attached: a refused `new` is reported again once the journal takes events (the object is not
// tracked as if it had been journaled), and an object's later events (its `end`) name the snapshot
// of its best frame. The camera gives frames at times the test sets; the models are a double.

const T0 = Date.UTC(2026, 11, 2, 3, 0, 0);
const PERSON: Detection = { label: 'person', score: 0.9, box: { x: 0.3, y: 0.2, w: 0.3, h: 0.6 } };

/** A camera whose frames are 1 s apart in capture time (hardware double). */
function steppingCamera(image: Buffer): CameraSource & { grabs: number } {
  const cam = {
    name: 'porch',
    describe: 'test double',
    grabs: 0,
    async grab(): Promise<CapturedFrame> {
      cam.grabs++;
      return { camera: 'porch', image, capturedAtMs: T0 + cam.grabs * 1000 };
    },
    async close() {},
  };
  return cam;
}

async function rig(t: Test) {
  const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } } }).jpeg().toBuffer();
  const world = { present: true, full: false, refused: 0 };
  const models: VisionModels = {
    loaded: true,
    detect: async () => (world.present ? [PERSON] : []),
    classify: async () => [],
    unload: async () => undefined,
  };
  const journaled: EventDraft[] = [];
  const pipeline = new CameraPipeline({
    config: cameraSchema.parse({ name: 'porch', source: 'dir', path: '/nonexistent', intervalMs: 200, endAfterMs: 1000, motion: { enabled: false } }),
    camera: steppingCamera(image),
    models,
    snapshots: await SnapshotStore.open({ dir: join(tempDir(t), 'snapshots'), maxBytes: 1 << 24 }),
    journal: async (drafts) => {
      if (world.full) {
        world.refused++;
        throw new SmolError(ErrorCodes.DISK_FULL, 'journal: no space left on device');
      }
      journaled.push(...drafts);
    },
    paused: () => false,
    warn: () => undefined,
  });
  t.teardown(() => pipeline.stop());
  const phases = () => journaled.filter((d) => d.type === 'vision.detected').map((d) => d.data as { phase: string; snapshot?: string; objectId: string });
  return { pipeline, world, journaled, phases };
}

t.test('a new refused by a full journal is journaled once the journal takes events again', async (t) => {
  const r = await rig(t);
  r.world.full = true;
  r.pipeline.start();
  await waitFor(() => r.world.refused >= 2, { timeoutMs: 10_000, message: 'the journal to refuse twice' });
  t.same(r.journaled, [], 'nothing journaled while the disk is full');
  r.world.full = false;
  await waitFor(() => r.phases().some((p) => p.phase === 'new'), { timeoutMs: 10_000, message: 'the person still in view to be journaled as new' });
  t.equal(r.phases().filter((p) => p.phase === 'new').length, 1, 'one new');
  t.equal(r.pipeline.status().occupancy.person, 1);
});

t.test("an object's end names the snapshot of its best frame", async (t) => {
  const r = await rig(t);
  r.pipeline.start();
  await waitFor(() => r.phases().some((p) => p.phase === 'new'), { timeoutMs: 10_000, message: 'the new' });
  const created = r.phases().find((p) => p.phase === 'new')!;
  t.ok(created.snapshot, 'the new names a snapshot');
  r.world.present = false;
  await waitFor(() => r.phases().some((p) => p.phase === 'end'), { timeoutMs: 10_000, message: 'the end, 1 s after the person left' });
  const end = r.phases().find((p) => p.phase === 'end')!;
  t.equal(end.objectId, created.objectId);
  t.equal(end.snapshot, created.snapshot, 'the end carries the snapshot the new had');
});

t.test('an event that does not fit its schema (a model gave NaN) is not journaled: it would stop this feed syncing', async (t) => {
  const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } } }).jpeg().toBuffer();
  const journaled: EventDraft[] = [];
  const warnings: string[] = [];
  const pipeline = new CameraPipeline({
    config: cameraSchema.parse({ name: 'porch', source: 'dir', path: '/nonexistent', intervalMs: 200, motion: { enabled: false } }),
    camera: steppingCamera(image),
    models: { loaded: true, detect: async () => [{ label: 'person', score: 0.9, box: { x: Number.NaN, y: 0.2, w: 0.3, h: 0.6 } }], classify: async () => [], unload: async () => undefined },
    snapshots: await SnapshotStore.open({ dir: join(tempDir(t), 'snapshots'), maxBytes: 1 << 24 }),
    journal: async (drafts) => void journaled.push(...drafts),
    paused: () => false,
    warn: (_k, _f, message) => void warnings.push(message),
  });
  t.teardown(() => pipeline.stop());
  pipeline.start();
  await waitFor(() => warnings.some((w) => /not journaled/.test(w)), { timeoutMs: 10_000, message: 'the refusal to be logged' });
  t.match(warnings.find((w) => /not journaled/.test(w)), /box\.x/, `said with the field: ${warnings[0]}`);
  t.same(journaled, [], 'nothing journaled');
});

t.test('a camera with more zones than an event can list is refused by the config schema, not an event peers would refuse', async (t) => {
  const zones = Array.from({ length: 33 }, (_, i) => ({ name: `z${i}`, points: [[0, 0], [1, 0], [1, 1]] }));
  const r = cameraSchema.safeParse({ name: 'porch', source: 'dir', path: '/x', zones });
  t.notOk(r.success);
  t.match(r.error?.issues[0]?.message, /at most 32 zones/);
});
