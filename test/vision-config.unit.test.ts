import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { loadConfig } from '../adapters/config/load-config.js';
import { isSmolError } from '../core/errors.js';
import { tempDir } from './helpers/temp-dir.js';

// The vision section (docs/vision.md): off by default, strict, one entry per camera with defaults.

async function load(t: Test, yaml: string): Promise<unknown> {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'smollama.yaml'), yaml);
  return loadConfig({ cwd: dir, file: 'smollama.yaml', env: {}, flags: {} }).then(
    (c) => c,
    (e: unknown) => e,
  );
}

t.test('vision is off by default with no cameras, a 200 MiB snapshot budget and snapshots not synced', async (t) => {
  const config = await loadConfig({ cwd: tempDir(t), env: {}, flags: {} });
  t.equal(config.vision.enabled, false);
  t.same(config.vision.cameras, []);
  t.same(config.vision.snapshots, { maxBytes: 200 * 1024 * 1024, sync: false });
  t.equal(config.vision.models.idleUnloadMs, 300_000);
});

t.test('a camera gets every default: 5 s, 416x320, motion gating, the usual labels, 0.5, 1 %, 30 s', async (t) => {
  const config = (await load(t, 'vision:\n  enabled: true\n  cameras:\n    - name: porch\n      source: rpicam\n    - name: door\n      source: http\n      url: http://127.0.0.1:1984/api/frame.jpeg\n')) as Awaited<ReturnType<typeof loadConfig>>;
  const [porch, door] = config.vision.cameras;
  t.match(porch, { name: 'porch', source: 'rpicam', command: 'rpicam-still', intervalMs: 5000, width: 416, height: 320, minScore: 0.5, minArea: 0.01, endAfterMs: 30_000, zones: [], mask: [] });
  t.same(porch?.labels, ['person', 'car', 'dog', 'cat', 'bicycle']);
  t.match(porch?.motion, { enabled: true, threshold: 0.01 });
  t.match(door, { source: 'http', url: 'http://127.0.0.1:1984/api/frame.jpeg' });
});

t.test('zones and masks are normalised polygons', async (t) => {
  const config = (await load(t, 'vision:\n  cameras:\n    - name: drive\n      source: v4l2\n      zones: [{name: gate, points: [[0,0],[0.5,0],[0.5,1]]}]\n      mask: [[[0.9,0],[1,0],[1,0.1]]]\n')) as Awaited<ReturnType<typeof loadConfig>>;
  t.same(config.vision.cameras[0]?.zones, [{ name: 'gate', points: [[0, 0], [0.5, 0], [0.5, 1]] }]);
  t.equal(config.vision.cameras[0]?.source === 'v4l2' && config.vision.cameras[0].device, '/dev/video0');
});

const bad: Array<[string, string, RegExp]> = [
  ['an unknown source', '    - name: a\n      source: webcam\n', /vision\.cameras\.0\.source/],
  ['rtsp without a url', '    - name: a\n      source: rtsp\n', /vision\.cameras\.0\.url/],
  ['an http url that is not http', '    - name: a\n      source: http\n      url: ftp://x/y.jpg\n', /vision\.cameras\.0\.url/],
  ['a misspelt key', '    - name: a\n      source: rpicam\n      minscore: 0.3\n', /vision\.cameras\.0\.minscore/],
  ['a score above 1', '    - name: a\n      source: rpicam\n      minScore: 5\n', /vision\.cameras\.0\.minScore/],
  ['a zone point outside the frame', '    - name: a\n      source: rpicam\n      zones: [{name: z, points: [[0,0],[2,0],[0,1]]}]\n', /vision\.cameras\.0\.zones\.0\.points\.1\.0/],
  ['a two-point mask', '    - name: a\n      source: rpicam\n      mask: [[[0,0],[1,1]]]\n', /vision\.cameras\.0\.mask\.0/],
  ['two cameras of one name', '    - name: a\n      source: rpicam\n    - name: a\n      source: v4l2\n', /vision\.cameras\.1\.name.*duplicate camera name "a"/s],
  ['a motion threshold of 0', '    - name: a\n      source: rpicam\n      motion: {threshold: 0}\n', /vision\.cameras\.0\.motion\.threshold/],
];
for (const [what, camerasYaml, key] of bad) {
  t.test(`${what} is SMOL_CONFIG_INVALID naming the camera's key`, async (t) => {
    const err = await load(t, `vision:\n  cameras:\n${camerasYaml}`);
    t.ok(isSmolError(err) && err.code === 'SMOL_CONFIG_INVALID', 'refused with SMOL_CONFIG_INVALID');
    t.match((err as Error).message, key);
  });
}
