import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { cameraSchema, type CameraConfig } from '../adapters/config/sections/vision.js';
import { CameraPipeline } from '../adapters/vision/camera-pipeline.js';
import { createCamera } from '../adapters/vision/cameras/create-camera.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import type { EventDraft } from '../core/events/event.js';
import type { Detection, VisionModels } from '../core/vision/vision-port.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// Camera bytes that are wrong, through the whole pipeline (grab → gate → models → journal): an
// answer that is not an image, a JPEG that looks whole but does not decode, a truncated one, 10 MB
// (declared, chunked or gzip-inflated), a small PNG of 42 Mpx, a server that never finishes its answer, a huge
// file in a dir camera.
// Each is a coded camera failure within the timeout: the camera is `failing` with the code, the
// models never run, and nothing is journaled. Then a good frame with a snapshot store that cannot
// write: the event is journaled without a snapshot. The models are a double (no inference here).

const MIB = 1024 * 1024;

/** Models that find a person in every frame, and count how often they were asked. */
function personModels(): VisionModels & { calls: number } {
  const m = {
    calls: 0,
    loaded: true,
    async detect(): Promise<Detection[]> {
      m.calls++;
      return [{ label: 'person', score: 0.9, box: { x: 0.3, y: 0.2, w: 0.3, h: 0.6 } }];
    },
    async classify() {
      return [];
    },
    async unload() {},
  };
  return m;
}

async function goodJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 120, b: 60 } } }).jpeg().toBuffer();
}

interface Rig {
  readonly pipeline: CameraPipeline;
  readonly models: VisionModels & { calls: number };
  readonly journaled: EventDraft[];
  readonly warnings: string[];
}

async function rig(t: Test, config: CameraConfig, snapshotsDir = join(tempDir(t), 'snapshots')): Promise<Rig> {
  const models = personModels();
  const journaled: EventDraft[] = [];
  const warnings: string[] = [];
  const pipeline = new CameraPipeline({
    config,
    camera: createCamera(config),
    models,
    snapshots: await SnapshotStore.open({ dir: snapshotsDir, maxBytes: 10 * MIB }),
    journal: async (drafts) => void journaled.push(...drafts),
    paused: () => false,
    warn: (_key, _fields, message) => void warnings.push(message),
  });
  t.teardown(() => pipeline.stop());
  pipeline.start();
  return { pipeline, models, journaled, warnings };
}

const base = { name: 'porch', intervalMs: 200, timeoutMs: 600, maxFrameBytes: MIB, motion: { enabled: false } };

t.test('an HTTP snapshot server that answers wrong bytes, too many or never finishes: a failing camera, no inference, no event', async (t) => {
  const good = await goodJpeg();
  // 7000×6000 (42 Mpx) of one colour: a few kB of PNG that would cost seconds of CPU per frame to decode.
  const bomb = await sharp({ create: { width: 7000, height: 6000, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png({ compressionLevel: 9 }).toBuffer();
  const gzipBomb = gzipSync(Buffer.alloc(50 * MIB));
  const sockets = new Set<Socket>();
  const hold = (res: ServerResponse) => void res.socket?.setTimeout(0);
  const server = createServer((req, res) => {
    switch (req.url) {
      case '/text':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      case '/undecodable': {
        // JPEG magic and end marker around noise: passes the byte checks, fails the decoder.
        const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4000, 0x41), Buffer.from([0xff, 0xd9])]);
        return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes);
      }
      case '/gzip-bomb':
        // 50 MB of zeros in ~50 kB of gzip: fetch inflates it, the cap must count inflated bytes.
        return void res.writeHead(200, { 'content-type': 'image/jpeg', 'content-encoding': 'gzip' }).end(gzipBomb);
      case '/pixel-bomb':
        return void res.writeHead(200, { 'content-type': 'image/png' }).end(bomb);
      case '/truncated':
        return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(good.subarray(0, good.length - 40));
      case '/declared-10mb':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(10 * MIB) });
        return void res.write(good);
      case '/chunked-10mb': {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        let sent = 0;
        const more = () => {
          while (sent < 10 * MIB && !res.destroyed) {
            sent += 64 * 1024;
            if (!res.write(Buffer.alloc(64 * 1024, 0xff))) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      case '/never-finishes':
        hold(res);
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(good.length) });
        return void res.write(good.subarray(0, 100)); // and nothing more, ever
      case '/no-answer':
        return hold(res); // not even headers
      default:
        return void res.writeHead(404).end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((go) => server.listen(0, '127.0.0.1', go));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((go) => server.close(() => go()));
  });
  const port = (server.address() as AddressInfo).port;

  for (const [path, code] of [
    ['/text', 'SMOL_FRAME_INVALID'],
    ['/undecodable', 'SMOL_FRAME_INVALID'],
    ['/truncated', 'SMOL_FRAME_INVALID'],
    ['/pixel-bomb', 'SMOL_FRAME_INVALID'],
    ['/gzip-bomb', 'SMOL_FRAME_INVALID'],
    ['/declared-10mb', 'SMOL_FRAME_INVALID'],
    ['/chunked-10mb', 'SMOL_FRAME_INVALID'],
    ['/never-finishes', 'SMOL_CAMERA_UNAVAILABLE'],
    ['/no-answer', 'SMOL_CAMERA_UNAVAILABLE'],
  ] as const) {
    await t.test(`${path}: ${code}`, async (t) => {
      const r = await rig(t, cameraSchema.parse({ ...base, source: 'http', url: `http://127.0.0.1:${port}${path}` }));
      await waitFor(() => r.pipeline.status().state === 'failing', { timeoutMs: 10_000, message: `camera ${path} failing` });
      const status = r.pipeline.status();
      t.equal(status.lastError?.code, code, `the camera's last error: ${status.lastError?.message}`);
      t.notMatch(status.lastError?.message ?? '', /\n\s+at /, 'a message, not a stack trace');
      t.ok(status.nextRetryAtMs !== undefined, 'with the next try');
      t.equal(r.models.calls, 0, 'the models never ran');
      t.same(r.journaled, [], 'nothing journaled');
    });
  }
});

t.test('a dir camera holding a huge file, garbage named .jpg, or a directory named .jpg: failing, no event', async (t) => {
  const root = tempDir(t);
  const cases: Array<[string, (dir: string) => void, string]> = [
    ['huge', (d) => writeFileSync(join(d, 'a.jpg'), Buffer.alloc(MIB + 1, 0xff)), 'SMOL_FRAME_INVALID'],
    ['garbage', (d) => writeFileSync(join(d, 'a.jpg'), 'hello'), 'SMOL_FRAME_INVALID'],
    ['directory', (d) => mkdirSync(join(d, 'b.jpg')), 'SMOL_CAMERA_UNAVAILABLE'],
    ['missing', () => undefined, 'SMOL_CAMERA_UNAVAILABLE'],
  ];
  for (const [what, make, code] of cases) {
    await t.test(what, async (t) => {
      const dir = join(root, what);
      if (what !== 'missing') mkdirSync(dir);
      make(dir);
      const r = await rig(t, cameraSchema.parse({ ...base, source: 'dir', path: dir }));
      await waitFor(() => r.pipeline.status().state === 'failing', { timeoutMs: 10_000, message: `dir camera ${what} failing` });
      t.equal(r.pipeline.status().lastError?.code, code, r.pipeline.status().lastError?.message ?? '');
      t.equal(r.models.calls, 0);
      t.same(r.journaled, []);
    });
  }
});

t.test('a good frame whose snapshot cannot be stored is still journaled, without a snapshot', async (t) => {
  const root = tempDir(t);
  const dir = join(root, 'cam');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.jpg'), await goodJpeg());
  const blocked = join(root, 'snapshots');
  writeFileSync(blocked, 'a file where the snapshot directory should be');
  const r = await rig(t, cameraSchema.parse({ ...base, source: 'dir', path: dir }), blocked);
  await waitFor(() => r.journaled.length > 0, { timeoutMs: 10_000, message: 'the person is journaled' });
  const first = r.journaled[0]!;
  t.equal(first.type, 'vision.detected');
  t.match(first.data, { camera: 'porch', phase: 'new', label: 'person' });
  t.notOk('snapshot' in (first.data as object), 'no snapshot named');
  t.ok(r.warnings.some((w) => /snapshot not stored/.test(w)), 'the failed snapshot is logged');
  t.equal(r.pipeline.status().state, 'ok', 'the camera is fine');
});
