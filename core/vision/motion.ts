import { inAny, type Polygon } from './geometry.js';

/**
 * Motion gating: a cheap test of whether a frame differs from the one the models last saw, on a
 * small grayscale thumbnail (64×48 is 3,072 pixels: microseconds, where a detection costs
 * hundreds of milliseconds). Pure: the adapter decodes the thumbnail (sharp), the unit keeps state.
 */

/** A grayscale thumbnail, one byte per pixel, row-major. */
export interface GrayFrame {
  readonly width: number;
  readonly height: number;
  readonly gray: Uint8Array;
}

export interface MotionSettings {
  /** Fraction (0..1] of the unmasked pixels that must change for motion. */
  readonly threshold: number;
  /** Grey-level difference (1..255) for one pixel to count as changed. */
  readonly pixelDelta: number;
  /** Run the models at least this often on a still scene (ms). */
  readonly heartbeatMs: number;
}

/** What the gate keeps between frames: the thumbnail the models last saw, and when. */
export interface MotionState {
  readonly reference?: GrayFrame;
  readonly lastRunAtMs?: number;
}

export type GateReason = 'first' | 'motion' | 'heartbeat' | 'still' | 'resized';

export interface GateResult {
  readonly state: MotionState;
  /** Whether to run the models on this frame. */
  readonly run: boolean;
  readonly reason: GateReason;
  /** Changed fraction of the unmasked pixels against the reference (0 when there is none). */
  readonly changed: number;
}

/**
 * The pixels the mask covers (1 = ignored), by pixel centre, for thumbnails of this size.
 * Computed once per camera, not per frame.
 */
export function maskPixels(width: number, height: number, mask: readonly Polygon[]): Uint8Array {
  const ignored = new Uint8Array(width * height);
  if (mask.length === 0) return ignored;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (inAny([(x + 0.5) / width, (y + 0.5) / height], mask)) ignored[y * width + x] = 1;
    }
  }
  return ignored;
}

/**
 * The fraction of unmasked pixels whose grey level differs by at least `pixelDelta`.
 * Both frames must have the same size (TypeError otherwise: a programming mistake). A frame that
 * is all mask has no motion.
 */
export function changedFraction(a: GrayFrame, b: GrayFrame, ignored: Uint8Array, pixelDelta: number): number {
  if (a.width !== b.width || a.height !== b.height) throw new TypeError('thumbnails of different sizes');
  let counted = 0;
  let changed = 0;
  for (let i = 0; i < a.gray.length; i++) {
    if (ignored[i] === 1) continue;
    counted++;
    if (Math.abs((a.gray[i] ?? 0) - (b.gray[i] ?? 0)) >= pixelDelta) changed++;
  }
  return counted === 0 ? 0 : changed / counted;
}

/**
 * Whether the models should see this frame: the first frame, a frame that changed by more than
 * the threshold against the one they last saw (so a slow walker adds up), or a heartbeat on a
 * still scene. The reference moves only when the models run.
 */
export function gate(state: MotionState, frame: GrayFrame, atMs: number, settings: MotionSettings, ignored: Uint8Array): GateResult {
  const ran = (reason: GateReason, changed: number): GateResult => ({ state: { reference: frame, lastRunAtMs: atMs }, run: true, reason, changed });
  const ref = state.reference;
  if (!ref) return ran('first', 0);
  if (ref.width !== frame.width || ref.height !== frame.height) return ran('resized', 0);
  const changed = changedFraction(ref, frame, ignored, settings.pixelDelta);
  if (changed >= settings.threshold) return ran('motion', changed);
  if (state.lastRunAtMs === undefined || atMs - state.lastRunAtMs >= settings.heartbeatMs) return ran('heartbeat', changed);
  return { state, run: false, reason: 'still', changed };
}
