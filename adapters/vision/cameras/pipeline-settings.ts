import type { CameraConfig } from '../../config/sections/vision.js';
import { maskPixels, type MotionSettings } from '../../../core/vision/motion.js';
import type { TrackerSettings } from '../../../core/vision/tracker.js';
import { THUMB_HEIGHT, THUMB_WIDTH } from './gray-thumbnail.js';

/** What the motion gate and the tracker of one configured camera need, computed once at start. */
export interface CameraPipelineSettings {
  /** Undefined when motion gating is off: every frame goes to the models. */
  readonly motion?: MotionSettings;
  /** The mask as thumbnail pixels (1 = ignored), for the motion gate. */
  readonly motionIgnored: Uint8Array;
  readonly tracker: TrackerSettings;
}

export function cameraPipelineSettings(c: CameraConfig): CameraPipelineSettings {
  return {
    ...(c.motion.enabled ? { motion: { threshold: c.motion.threshold, pixelDelta: c.motion.pixelDelta, heartbeatMs: c.motion.heartbeatMs } } : {}),
    motionIgnored: maskPixels(THUMB_WIDTH, THUMB_HEIGHT, c.mask),
    tracker: { labels: c.labels, minScore: c.minScore, minArea: c.minArea, endAfterMs: c.endAfterMs, zones: c.zones, mask: c.mask },
  };
}
