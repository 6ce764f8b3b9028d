import t from 'tap';
import { cameraSchema } from '../adapters/config/sections/vision.js';
import { cameraPipelineSettings } from '../adapters/vision/cameras/pipeline-settings.js';

// A configured camera becomes its motion gate's and tracker's settings once, at start.

t.test('a camera config gives motion settings, the mask as thumbnail pixels, and tracker filters', async (t) => {
  const c = cameraSchema.parse({ name: 'porch', source: 'rpicam', mask: [[[0, 0], [0.5, 0], [0.5, 1], [0, 1]]], zones: [{ name: 'path', points: [[0, 0], [1, 0], [1, 1]] }] });
  const s = cameraPipelineSettings(c);
  t.same(s.motion, { threshold: 0.01, pixelDelta: 25, heartbeatMs: 300_000 });
  t.equal(s.motionIgnored.reduce((a, b) => a + b, 0), (64 * 48) / 2, 'the left half of the thumbnail is masked');
  t.match(s.tracker, { labels: ['person', 'car', 'dog', 'cat', 'bicycle'], minScore: 0.5, minArea: 0.01, endAfterMs: 30_000, zones: [{ name: 'path' }] });
  t.equal(s.tracker.mask.length, 1);
});

t.test('motion gating off: no motion settings, every frame goes to the models', async (t) => {
  const c = cameraSchema.parse({ name: 'porch', source: 'rpicam', motion: { enabled: false } });
  t.equal(cameraPipelineSettings(c).motion, undefined);
});
