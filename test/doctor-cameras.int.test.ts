import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import t from 'tap';
import { configSchema } from '../adapters/config/schema.js';
import { checkCameras } from '../adapters/cli/doctor/cameras-check.js';
import { tempDir } from './helpers/temp-dir.js';

// The Pi camera through its command-line contract with the stand-in (the boundary that cannot run here).
const FAKE_RPICAM = fileURLToPath(new URL('./helpers/fake-rpicam-still.mjs', import.meta.url));

t.test('doctor grabs one frame from each camera: ok with what it is and the frame size, warn with the code and a remedy', async (t) => {
  const dir = tempDir(t);
  await writeFile(join(dir, 'a.jpg'), await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 200, b: 30 } } }).jpeg().toBuffer());
  const config = configSchema.parse({
    dataDir: '/nonexistent',
    vision: {
      enabled: true,
      cameras: [
        { name: 'yard', source: 'dir', path: dir },
        { name: 'ghost', source: 'dir', path: join(dir, 'missing') },
        { name: 'porch', source: 'rpicam', command: FAKE_RPICAM },
        { name: 'gate', source: 'http', url: 'http://127.0.0.1:9/frame.jpg', timeoutMs: 1000 },
      ],
    },
  });
  const checks = await checkCameras(config);
  t.same(checks.map((c) => [c.name, c.status]), [
    ['camera yard', 'ok'],
    ['camera ghost', 'warn'],
    ['camera porch', 'ok'],
    ['camera gate', 'warn'],
  ]);
  t.match(checks[0]!.message, new RegExp(`^dir ${dir}: 64x48 jpeg, \\d+ bytes$`));
  t.equal(checks[1]!.code, 'SMOL_CAMERA_UNAVAILABLE');
  t.match(checks[1]!.remedy, /exists, is readable/);
  t.match(checks[2]!.message, /^rpicam .* 8x8 jpeg/);
  t.equal(checks[3]!.code, 'SMOL_CAMERA_UNAVAILABLE');
  t.match(checks[3]!.remedy, /curl/);

  const off = await checkCameras(configSchema.parse({ dataDir: '/nonexistent' }));
  t.same(off.map((c) => [c.name, c.status, c.message]), [['cameras', 'ok', 'none configured (vision off)']]);
});
