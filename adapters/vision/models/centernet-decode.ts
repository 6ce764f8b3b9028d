import type { Box, Classification, Detection } from '../../../core/vision/vision-port.js';
import { COCO_LABELS } from './coco-labels.js';

/**
 * Turning MobileNetV3-CenterNet's outputs into detections and scene labels. Pure functions of the
 * output arrays, so they are tested without the model.
 *
 * `tower_0/detections` is [1, N, 6]: x1, y1, x2, y2 in input pixels, score, class id (the graph has
 * already taken the top N peaks of the class heatmaps). Peaks of one object in neighbouring classes
 * or cells survive that, so a per-class non-maximum suppression follows (as Human does with tf.nms).
 * `tower_0/keypoints` is the [1, H, W, 80] class heatmap; its maximum per class says how sure the
 * model is that the class is somewhere in the frame — the scene labels `classify` returns.
 */

export interface DecodeOptions {
  /** The model's input side in pixels (512 for this graph). */
  readonly inputSize: number;
  readonly minScore: number;
  /** IoU above which the lower-scored of two boxes of one label is dropped. */
  readonly iouThreshold: number;
  readonly maxDetections: number;
}

/** Intersection over union of two normalised boxes (0 when they do not touch). */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union <= 0 ? 0 : inter / union;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Detections (normalised boxes, COCO labels, best first) from the flat [N × 6] detections output. */
export function decodeDetections(rows: ArrayLike<number>, options: DecodeOptions): Detection[] {
  const candidates: Detection[] = [];
  for (let i = 0; i + 5 < rows.length; i += 6) {
    const score = rows[i + 4]!;
    const label = COCO_LABELS[Math.round(rows[i + 5]!)];
    if (!(score >= options.minScore) || label === undefined) continue;
    const x1 = clamp01(rows[i]! / options.inputSize);
    const y1 = clamp01(rows[i + 1]! / options.inputSize);
    const x2 = clamp01(rows[i + 2]! / options.inputSize);
    const y2 = clamp01(rows[i + 3]! / options.inputSize);
    if (x2 <= x1 || y2 <= y1) continue;
    candidates.push({ label, score, box: { x: x1, y: y1, w: x2 - x1, h: y2 - y1 } });
  }
  candidates.sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const c of candidates) {
    if (kept.length >= options.maxDetections) break;
    if (kept.some((k) => k.label === c.label && iou(k.box, c.box) > options.iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}

/** The top-k classes by their heatmap peak, from the flat [H × W × classes] heatmap. */
export function decodeSceneLabels(heatmap: ArrayLike<number>, topK: number, classes = COCO_LABELS.length): Classification[] {
  const peak = new Float64Array(classes);
  for (let i = 0; i < heatmap.length; i++) {
    const c = i % classes;
    const v = heatmap[i]!;
    if (v > peak[c]!) peak[c] = v;
  }
  return Array.from(peak, (score, c) => ({ label: COCO_LABELS[c] ?? `class ${c}`, score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, Math.max(0, topK));
}
