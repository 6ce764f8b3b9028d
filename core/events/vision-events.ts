import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';

const unit = z.number().min(0).max(1);
const cameraName = z.string().min(1).max(40);
const label = z.string().min(1).max(80);

/** A box normalised to 0..1 of the frame (core/vision/vision-port.ts Box). */
export const VisionBox = z.object({ x: unit, y: unit, w: unit, h: unit });

/**
 * A tracked object's lifecycle on a camera (core/vision/tracker.ts), Frigate-like: `new` when it
 * first passes the camera's filters, `update` when it moved or its best score rose, `end` once it
 * has not been seen for the camera's endAfterMs. A still object writes no updates.
 * `objectId` is unique per camera and node; `snapshot` is the sha256 hex of the event's best frame
 * in the snapshot store (absent when none was stored: budget, disk, or not written yet).
 */
export const VisionDetected = z.object({
  camera: cameraName,
  objectId: z.string().min(1).max(80),
  phase: z.enum(['new', 'update', 'end']),
  label,
  /** The score of the detection this event reports (the last one seen, for `end`). */
  score: unit,
  /** The best score this object has had so far. */
  topScore: unit,
  box: VisionBox,
  /** Zones (of the camera's config) the box's bottom centre is in; empty when none. */
  zones: z.array(z.string().min(1).max(40)).max(32),
  snapshot: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** Capture time (ms since the epoch) of the frame the object was first seen in. */
  startedAtMs: z.number().int().min(0),
});

/** The top-k classes of a camera's frame changed (as a set of labels; scores alone do not count). */
export const VisionClassified = z.object({
  camera: cameraName,
  top: z.array(z.object({ label, score: unit })).min(1).max(10),
});

export const visionEventSpecs: EventTypeSpec[] = [
  { type: 'vision.detected', v: 1, schema: VisionDetected },
  { type: 'vision.classified', v: 1, schema: VisionClassified },
];

declare module './core-events.js' {
  interface EventDataMap {
    'vision.detected': z.infer<typeof VisionDetected>;
    'vision.classified': z.infer<typeof VisionClassified>;
  }
}
