import { createServer, type Server } from 'node:http';
import { readFileSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import t, { type Test } from 'tap';
import { isSmolError } from '../core/errors.js';
import { DirCamera } from '../adapters/vision/cameras/dir-camera.js';
import { HttpCamera } from '../adapters/vision/cameras/http-camera.js';
import { rpicamArgs, rpicamCamera } from '../adapters/vision/cameras/rpicam-camera.js';
import { grayThumbnail } from '../adapters/vision/cameras/gray-thumbnail.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// Camera sources for real: an HTTP snapshot server on 127.0.0.1, a watched directory, and
// rpicam-still through its command-line contract with a stand-in (test/helpers/fake-rpicam-still.mjs).

const FAKE_RPICAM = fileURLToPath(new URL('./helpers/fake-rpicam-still.mjs', import.meta.url));

async function jpeg(width = 64, height = 48, colour = '#406080'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isSmolError(e) ? e.code : `not a SmolError: ${String(e)}`),
  );
}

async function serve(t: Test, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('http: a snapshot URL gives its JPEG as the frame', async (t) => {
  const image = await jpeg();
  const base = await serve(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.end(image);
  });
  const cam = new HttpCamera({ name: 'door', url: `${base}/api/frame.jpeg`, timeoutMs: 2000, maxFrameBytes: 1 << 20, now: () => 1234 });
  const frame = await cam.grab();
  t.same(frame, { camera: 'door', image, capturedAtMs: 1234 });
  const thumb = await grayThumbnail('door', frame.image);
  t.equal(thumb.gray.length, 64 * 48, 'it decodes to a motion thumbnail');
});

t.test('http: 500, not an image, too large (declared or chunked), too slow and refused are coded errors', async (t) => {
  const image = await jpeg();
  let slowResponses = 0;
  const base = await serve(t, (req, res) => {
    switch (req.url) {
      case '/500':
        res.writeHead(500).end('camera busy');
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<html>login</html>');
        return;
      case '/huge':
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(5 << 20) });
        res.write(image.subarray(0, 100));
        return; // never finishes: the declared length alone is refused
      case '/chunked': {
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        const chunk = Buffer.alloc(64 * 1024, 0xff);
        for (let i = 0; i < 40; i++) res.write(chunk);
        res.end();
        return;
      }
      case '/slow':
        slowResponses++;
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        res.write(image.subarray(0, 10)); // and nothing more
        return;
      case '/truncated':
        res.writeHead(200).end(image.subarray(0, image.length - 20));
        return;
    }
  });
  const cam = (path: string, timeoutMs = 2000) => new HttpCamera({ name: 'door', url: `${base}${path}`, timeoutMs, maxFrameBytes: 1 << 20 });
  t.equal(await codeOf(cam('/500').grab()), 'SMOL_CAMERA_UNAVAILABLE');
  t.equal(await codeOf(cam('/html').grab()), 'SMOL_FRAME_INVALID');
  t.equal(await codeOf(cam('/huge').grab()), 'SMOL_FRAME_INVALID');
  t.equal(await codeOf(cam('/chunked').grab()), 'SMOL_FRAME_INVALID');
  t.equal(await codeOf(cam('/truncated').grab()), 'SMOL_FRAME_INVALID');
  t.equal(await codeOf(cam('/slow', 500).grab()), 'SMOL_CAMERA_UNAVAILABLE');
  t.equal(slowResponses, 1);
  const closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  const refused = new HttpCamera({ name: 'door', url: `http://127.0.0.1:${closedPort}/x.jpg`, timeoutMs: 2000, maxFrameBytes: 1 << 20 });
  const err = await refused.grab().catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_CAMERA_UNAVAILABLE');
  t.match((err as Error).message, /camera door: GET .* failed: ECONNREFUSED/);
});

t.test('http: close aborts a grab in progress, and the password is not in describe', async (t) => {
  const base = await serve(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.write(Buffer.from([0xff, 0xd8, 0xff]));
  });
  const cam = new HttpCamera({ name: 'door', url: base.replace('http://', 'http://admin:hunter2@') + '/snap.jpg', timeoutMs: 60_000, maxFrameBytes: 1 << 20 });
  t.notMatch(cam.describe, /hunter2/);
  const pending = codeOf(cam.grab());
  await cam.close();
  t.equal(await pending, 'SMOL_CAMERA_UNAVAILABLE');
  t.equal(await codeOf(cam.grab()), 'SMOL_CAMERA_UNAVAILABLE', 'a closed camera gives no frame');
});

t.test('dir: the newest image file is the frame; other files, hidden and partial ones are not', async (t) => {
  const dir = tempDir(t);
  const old = await jpeg(64, 48, '#000000');
  const fresh = await jpeg(64, 48, '#ffffff');
  writeFileSync(join(dir, 'a.jpg'), old);
  utimesSync(join(dir, 'a.jpg'), 1000, 1000);
  writeFileSync(join(dir, 'b.JPEG'), fresh);
  utimesSync(join(dir, 'b.JPEG'), 2000, 2000);
  writeFileSync(join(dir, 'notes.txt'), 'newer but not an image');
  writeFileSync(join(dir, '.c.jpg.part'), 'upload in progress');
  const cam = new DirCamera({ name: 'yard', path: dir, maxFrameBytes: 1 << 20 });
  t.same((await cam.grab()).image, fresh);
  writeFileSync(join(dir, 'c.jpg'), fresh.subarray(0, fresh.length - 30)); // still being written
  t.equal(await codeOf(cam.grab()), 'SMOL_FRAME_INVALID', 'a half-written JPEG is refused, not passed on');
  writeFileSync(join(dir, 'c.jpg'), 'garbage');
  t.equal(await codeOf(cam.grab()), 'SMOL_FRAME_INVALID');
});

t.test('dir: a missing or empty directory and an oversized file are coded errors', async (t) => {
  const dir = tempDir(t);
  t.equal(await codeOf(new DirCamera({ name: 'yard', path: join(dir, 'nope'), maxFrameBytes: 1 << 20 }).grab()), 'SMOL_CAMERA_UNAVAILABLE');
  mkdirSync(join(dir, 'empty'));
  t.equal(await codeOf(new DirCamera({ name: 'yard', path: join(dir, 'empty'), maxFrameBytes: 1 << 20 }).grab()), 'SMOL_CAMERA_UNAVAILABLE');
  writeFileSync(join(dir, 'big.jpg'), await jpeg(640, 480));
  t.equal(await codeOf(new DirCamera({ name: 'yard', path: dir, maxFrameBytes: 2048 }).grab()), 'SMOL_FRAME_INVALID');
});

t.test('rpicam: the arguments are a headless still JPEG to stdout at the configured size', async (t) => {
  t.same(rpicamArgs({ camera: 1, width: 416, height: 320 }), ['-n', '-t', '1', '--camera', '1', '--width', '416', '--height', '320', '-e', 'jpg', '-o', '-']);
});

t.test('rpicam: the stand-in rpicam-still gives its JPEG; no camera, garbage, too big and a hang are coded errors', async (t) => {
  const log = join(tempDir(t), 'runs.jsonl');
  process.env.FAKE_RPICAM_LOG = log;
  t.teardown(() => {
    delete process.env.FAKE_RPICAM_LOG;
    delete process.env.FAKE_RPICAM_MODE;
  });
  const make = (timeoutMs = 5000) => rpicamCamera({ name: 'pi', command: FAKE_RPICAM, camera: 0, width: 416, height: 320, timeoutMs, maxFrameBytes: 1 << 20 });
  const frame = await make().grab();
  t.equal((await sharp(frame.image).metadata()).format, 'jpeg', 'a JPEG from stdout');
  t.match(readFileSync(log, 'utf8'), /"--width","416","--height","320"/);

  const modes: Array<[string, string, RegExp]> = [
    ['nocamera', 'SMOL_CAMERA_UNAVAILABLE', /exited with 255: ERROR: \*\*\* no cameras available/],
    ['garbage', 'SMOL_FRAME_INVALID', /not a JPEG or PNG/],
    ['huge', 'SMOL_FRAME_INVALID', /byte cap/],
  ];
  for (const [mode, code, message] of modes) {
    process.env.FAKE_RPICAM_MODE = mode;
    const err = await make().grab().catch((e: unknown) => e);
    t.ok(isSmolError(err) && err.code === code, `${mode}: ${code}`);
    t.match((err as Error).message, message);
  }

  process.env.FAKE_RPICAM_MODE = 'hang';
  t.equal(await codeOf(make(800).grab()), 'SMOL_CAMERA_UNAVAILABLE', 'a hanging rpicam-still times out');
  const pid = (JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1) ?? '{}') as { pid: number }).pid;
  await waitFor(() => !alive(pid), { timeoutMs: 5000, message: 'the hung rpicam-still to be killed' });
  t.pass('and it was killed');
});

t.test('rpicam: close kills the program of a grab in progress', async (t) => {
  const log = join(tempDir(t), 'runs.jsonl');
  process.env.FAKE_RPICAM_LOG = log;
  process.env.FAKE_RPICAM_MODE = 'hang';
  t.teardown(() => {
    delete process.env.FAKE_RPICAM_LOG;
    delete process.env.FAKE_RPICAM_MODE;
  });
  const cam = rpicamCamera({ name: 'pi', command: FAKE_RPICAM, camera: 0, width: 416, height: 320, timeoutMs: 60_000, maxFrameBytes: 1 << 20 });
  const pending = codeOf(cam.grab());
  await waitFor(() => { try { return readFileSync(log, 'utf8').length > 0; } catch { return false; } }, { timeoutMs: 5000, message: 'the stand-in to start' });
  const pid = (JSON.parse(readFileSync(log, 'utf8').trim()) as { pid: number }).pid;
  await cam.close();
  t.equal(await pending, 'SMOL_CAMERA_UNAVAILABLE');
  await waitFor(() => !alive(pid), { timeoutMs: 5000, message: 'the stand-in to be killed on close' });
});

t.test('rpicam: a command that is not installed is SMOL_CAMERA_UNAVAILABLE saying so', async (t) => {
  const cam = rpicamCamera({ name: 'pi', command: '/nonexistent/rpicam-still', camera: 0, width: 416, height: 320, timeoutMs: 2000, maxFrameBytes: 1 << 20 });
  const err = await cam.grab().catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_CAMERA_UNAVAILABLE');
  t.match((err as Error).message, /not installed/);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
