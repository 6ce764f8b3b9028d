import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import t from 'tap';
import { isSmolError } from '../core/errors.js';
import { ffmpegArgs, ffmpegCamera, rtspCamera, v4l2Camera } from '../adapters/vision/cameras/ffmpeg-camera.js';
import { grayThumbnail } from '../adapters/vision/cameras/gray-thumbnail.js';
import { missingProgram } from './helpers/required-program.js';
import { tempDir } from './helpers/temp-dir.js';

// The V4L2 and RTSP cameras run ffmpeg once per frame. Here ffmpeg reads a generated test
// pattern (lavfi) and a video file as a stream; a webcam that is not there fails with a code.

const FFMPEG = '/usr/bin/ffmpeg';
const skip = missingProgram(FFMPEG, 'apt-get install ffmpeg');
const base = { ffmpeg: FFMPEG, width: 416, height: 320, timeoutMs: 20_000, maxFrameBytes: 4 << 20 };

t.test('the arguments read one frame and write it as a JPEG to stdout, scaled', async (t) => {
  t.same(ffmpegArgs(['-f', 'v4l2', '-i', '/dev/video0'], 416, 320), [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'v4l2', '-i', '/dev/video0', '-frames:v', '1', '-vf', 'scale=416:320', '-q:v', '4', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-',
  ]);
  t.match(rtspCamera({ ...base, name: 'gate', url: 'rtsp://admin:secret@10.0.0.5:554/stream1' }).describe, /^rtsp rtsp:\/\/admin:\*\*\*@10\.0\.0\.5:554\/stream1$/);
});

t.test('ffmpeg reads a test pattern as a camera: a JPEG at the configured size', { skip }, async (t) => {
  const cam = ffmpegCamera({ ...base, name: 'pattern' }, ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=1'], 'lavfi testsrc');
  const frame = await cam.grab();
  const meta = await sharp(frame.image).metadata();
  t.match(meta, { format: 'jpeg', width: 416, height: 320 });
  const thumb = await grayThumbnail('pattern', frame.image);
  t.ok(new Set(thumb.gray).size > 10, 'the pattern is not a blank frame');
  await cam.close();
});

t.test('ffmpeg reads a video file as a stream (as it would an RTSP source)', { skip }, async (t) => {
  const dir = tempDir(t);
  const video = join(dir, 'clip.mkv');
  // Make a 2 s clip with ffmpeg itself, then read it at its native rate (-re) like a live stream.
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=5:duration=2', '-c:v', 'mjpeg', video]);
  const cam = ffmpegCamera({ ...base, name: 'clip' }, ['-re', '-i', video], `file ${video}`);
  const frame = await cam.grab();
  t.equal((await sharp(frame.image).metadata()).width, 416);
});

t.test('a webcam that is not there and an input that is not video are SMOL_CAMERA_UNAVAILABLE', { skip }, async (t) => {
  const dir = tempDir(t);
  const err = await v4l2Camera({ ...base, name: 'usb', device: '/dev/video-not-here' }).grab().catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_CAMERA_UNAVAILABLE');
  t.match((err as Error).message, /camera usb: .*ffmpeg exited with/);
  writeFileSync(join(dir, 'notes.txt'), 'not a video');
  const notVideo = await ffmpegCamera({ ...base, name: 'txt' }, ['-i', join(dir, 'notes.txt')], 'txt').grab().catch((e: unknown) => e);
  t.ok(isSmolError(notVideo) && notVideo.code === 'SMOL_CAMERA_UNAVAILABLE');
});

t.test('a stream that gives no frame in time is killed and is SMOL_CAMERA_UNAVAILABLE', { skip }, async (t) => {
  // An RTSP server that accepts and then says nothing: a TCP listener that never answers.
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((s) => sockets.add(s)).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as import('node:net').AddressInfo).port;
  const cam = rtspCamera({ ...base, name: 'gate', url: `rtsp://127.0.0.1:${port}/stream`, timeoutMs: 1500 });
  const err = await cam.grab().catch((e: unknown) => e);
  t.ok(isSmolError(err) && err.code === 'SMOL_CAMERA_UNAVAILABLE');
  t.match((err as Error).message, /no frame within 1500 ms/);
});
