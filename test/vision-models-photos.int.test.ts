import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import t from 'tap';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import type { Box, DecodedFrame, Detection } from '../core/vision/vision-port.js';
import { iou } from '../adapters/vision/models/centernet-decode.js';
import { decodeImage } from '../adapters/vision/models/decode-image.js';
import { WorkerVisionModels } from '../adapters/vision/models/worker-vision-models.js';
import { missingProgram } from './helpers/required-program.js';
import { waitFor } from './helpers/wait-for.js';

// Real photos from Debian's opencv-doc (BSD-licensed OpenCV sample data); .ci/run installs it.
const DATA = '/usr/share/doc/opencv-doc/examples/data';
const photosMissing = missingProgram(`${DATA}/messi5.jpg`, 'apt-get install opencv-doc');

// Regions read off the photos by eye, normalised to the frame (x, y, w, h).
const MESSI: Box = { x: 0.13, y: 0.18, w: 0.71, h: 0.82 };
const BALL: Box = { x: 0.62, y: 0.85, w: 0.09, h: 0.13 };
const LEFT_PLAYER: Box = { x: 0.055, y: 0.17, w: 0.2, h: 0.83 }; // basketball1.png, the man holding the ball

const photo = async (name: string): Promise<DecodedFrame> => decodeImage(await readFile(`${DATA}/${name}`), 'test', 0);

const centreInside = (inner: Box, outer: Box): boolean => {
  const cx = inner.x + inner.w / 2;
  const cy = inner.y + inner.h / 2;
  return cx >= outer.x && cx <= outer.x + outer.w && cy >= outer.y && cy <= outer.y + outer.h;
};
const found = (detections: Detection[], label: string, region: Box): boolean =>
  detections.some((d) => d.label === label && (iou(d.box, region) > 0.3 || centreInside(d.box, region)));

const models = new WorkerVisionModels({ idleUnloadMs: 0 });
t.teardown(() => models.unload());

t.test('messi5.jpg: a person over the player and a sports ball over the ball', { skip: photosMissing }, async (t) => {
  const detections = await models.detect(await photo('messi5.jpg'));
  t.ok(found(detections, 'person', MESSI), `person over the player in ${JSON.stringify(detections)}`);
  t.ok(found(detections, 'sports ball', BALL), `sports ball over the ball in ${JSON.stringify(detections)}`);
  t.ok(models.loaded, 'the models stay loaded after a call');
});

t.test('basketball1.png: a person over the player on the left; scene labels name a person', { skip: photosMissing }, async (t) => {
  const frame = await photo('basketball1.png');
  t.ok(found(await models.detect(frame), 'person', LEFT_PLAYER));
  const labels = await models.classify(frame, 3);
  t.equal(labels.length, 3);
  t.equal(labels[0]?.label, 'person');
});

t.test('fruits.jpg: the scene labels include a fruit', { skip: photosMissing }, async (t) => {
  const labels = (await models.classify(await photo('fruits.jpg'), 5)).map((c) => c.label);
  t.ok(labels.some((l) => ['apple', 'orange', 'banana'].includes(l)), `a fruit among ${labels.join(', ')}`);
});

t.test('an empty scene (a plain grey wall) yields no detection above the default threshold', async (t) => {
  const wall = await sharp({ create: { width: 416, height: 312, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
  t.same(await models.detect(await decodeImage(wall, 'test', 0)), []);
});

t.test('a frame whose bytes do not match its size is SMOL_FRAME_INVALID and never reaches the worker', async (t) => {
  await t.rejects(models.detect({ camera: 'test', width: 10, height: 10, rgb: new Uint8Array(10), capturedAtMs: 0 }), { code: ErrorCodes.FRAME_INVALID });
  await t.rejects(decodeImage(Buffer.from('not an image'), 'test', 0), { code: ErrorCodes.FRAME_INVALID });
});

t.test('while one frame runs, a newer frame displaces the waiting one (SMOL_VISION_BUSY)', async (t) => {
  const frame = await decodeImage(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#345' } }).png().toBuffer(), 'test', 0);
  const results = await Promise.allSettled([models.detect(frame), models.detect(frame), models.detect(frame)]);
  t.same(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const second = results[1];
  t.ok(second?.status === 'rejected' && isSmolError(second.reason, ErrorCodes.VISION_BUSY), 'the displaced call says SMOL_VISION_BUSY');
});

t.test('unload() ends the worker; the next call loads the models again; memory is reported', async (t) => {
  const frame = await decodeImage(await sharp({ create: { width: 64, height: 48, channels: 3, background: '#777' } }).png().toBuffer(), 'test', 0);
  await models.detect(frame);
  const memory = await models.memory();
  t.ok(memory.loaded && memory.wasmBytes > 4_000_000, `the wasm heap holds the weights (${memory.wasmBytes} bytes)`);
  await models.unload();
  t.notOk(models.loaded);
  t.same(await models.memory(), { loaded: false, rssAddedBytes: 0, workerHeapBytes: 0, wasmBytes: 0 });
  t.same(await models.detect(frame), []);
  t.ok(models.loaded, 'loaded again on use');
});

t.test('the models unload by themselves after idleUnloadMs without a call', async (t) => {
  const idle = new WorkerVisionModels({ idleUnloadMs: 50 });
  t.teardown(() => idle.unload());
  const frame = await decodeImage(await sharp({ create: { width: 32, height: 32, channels: 3, background: '#000' } }).png().toBuffer(), 'test', 0);
  await idle.detect(frame);
  await waitFor(() => !idle.loaded, { timeoutMs: 10_000, message: 'the idle models to unload' });
  t.notOk(idle.loaded);
});

t.test('calls that come while unload() runs wait for the old worker to go and get a fresh one', async (t) => {
  const frame = await decodeImage(await sharp({ create: { width: 32, height: 32, channels: 3, background: '#222' } }).png().toBuffer(), 'test', 0);
  const first = models.detect(frame);
  const unloading = models.unload();
  const twice = models.unload();
  const during = models.detect(frame);
  t.same(await first, [], 'the running call finishes');
  t.same(await during, [], 'the call made during unload runs on a fresh worker');
  await Promise.all([unloading, twice]);
  t.ok(models.loaded, 'the fresh worker stays until the next unload');
});
