import t from 'tap';
import { decodeDetections, decodeSceneLabels, iou } from '../adapters/vision/models/centernet-decode.js';
import { COCO_LABELS } from '../adapters/vision/models/coco-labels.js';

const OPTIONS = { inputSize: 512, minScore: 0.4, iouThreshold: 0.5, maxDetections: 20 };

/** One row of CenterNet's detections output: x1, y1, x2, y2 in input pixels, score, class id. */
const row = (x1: number, y1: number, x2: number, y2: number, score: number, cls: number): number[] => [x1, y1, x2, y2, score, cls];

t.test('CenterNet rows become normalised boxes with COCO labels, best first, below-threshold rows dropped', async (t) => {
  const rows = [...row(256, 0, 512, 256, 0.5, 0), ...row(0, 0, 128, 128, 0.9, 2), ...row(0, 0, 10, 10, 0.39, 16)];
  const found = decodeDetections(rows, OPTIONS);
  t.same(found.map((d) => d.label), ['car', 'person']);
  t.same(found[1]?.box, { x: 0.5, y: 0, w: 0.5, h: 0.5 });
  t.equal(found[0]?.score, 0.9);
});

t.test('two overlapping boxes of one label keep the better one; another label in the same place stays', async (t) => {
  const rows = [...row(0, 0, 200, 400, 0.8, 0), ...row(10, 10, 205, 405, 0.6, 0), ...row(0, 0, 200, 400, 0.5, 26)];
  const found = decodeDetections(rows, OPTIONS);
  t.same(found.map((d) => [d.label, d.score]), [['person', 0.8], ['handbag', 0.5]]);
});

t.test('boxes are clamped to the frame, empty boxes and unknown classes are dropped, and maxDetections holds', async (t) => {
  const rows = [...row(-5, -5, 600, 520, 0.9, 0), ...row(50, 50, 50, 80, 0.9, 1), ...row(0, 0, 10, 10, 0.9, 80)];
  t.same(decodeDetections(rows, OPTIONS).map((d) => d.box), [{ x: 0, y: 0, w: 1, h: 1 }]);
  const many = Array.from({ length: 30 }, (_, i) => row(i * 16, 0, i * 16 + 15, 15, 0.5, 0)).flat();
  t.equal(decodeDetections(many, { ...OPTIONS, maxDetections: 5 }).length, 5);
});

t.test('scene labels are the classes with the highest heatmap peaks', async (t) => {
  const classes = COCO_LABELS.length;
  const heatmap = new Float32Array(classes * 4); // 4 cells
  heatmap[1 * classes + 15] = 0.7; // a cat in cell 1
  heatmap[3 * classes + 15] = 0.2;
  heatmap[2 * classes + 56] = 0.3; // a chair in cell 2
  t.same(decodeSceneLabels(heatmap, 2), [{ label: 'cat', score: heatmap[1 * classes + 15] }, { label: 'chair', score: heatmap[2 * classes + 56] }]);
  t.same(decodeSceneLabels(heatmap, 0), []);
});

t.test('IoU of identical, half-overlapping and disjoint boxes', async (t) => {
  const a = { x: 0, y: 0, w: 0.5, h: 0.5 };
  t.equal(iou(a, a), 1);
  t.equal(iou(a, { x: 0.25, y: 0, w: 0.5, h: 0.5 }), 1 / 3);
  t.equal(iou(a, { x: 0.6, y: 0.6, w: 0.1, h: 0.1 }), 0);
});
