import { gate, type GateReason, type GrayFrame, type MotionSettings, type MotionState } from './motion.js';
import { expire, initialTracker, stillFrame, track, wantsFrames, type TrackerSettings, type TrackerState, type TrackResult } from './tracker.js';
import type { Detection } from './vision-port.js';

/**
 * One camera's frame-by-frame decisions, composed of the motion gate and the tracker, so that the
 * vision unit only does the I/O: grab → thumbnail → `beforeInference` → (models) → `afterInference`.
 */
export interface CameraWatchState {
  readonly motion: MotionState;
  readonly tracker: TrackerState;
}

export function initialWatch(camera: string): CameraWatchState {
  return { motion: {}, tracker: initialTracker(camera) };
}

export interface InferenceDecision {
  readonly state: CameraWatchState;
  readonly run: boolean;
  /** Why: the gate's reason, `tracking` (an object is missing: only the models can end it), or `always` (gating off). */
  readonly reason: GateReason | 'tracking' | 'always';
  readonly changed: number;
}

/**
 * Whether the models should see this frame. A frame they do not see counts as a still frame for
 * the objects seen last time (a person standing still does not end).
 */
export function beforeInference(state: CameraWatchState, thumb: GrayFrame, atMs: number, motion: MotionSettings | undefined, ignored: Uint8Array): InferenceDecision {
  if (!motion) return { state, run: true, reason: 'always', changed: 0 };
  const g = gate(state.motion, thumb, atMs, motion, ignored);
  if (g.run) return { state: { ...state, motion: g.state }, run: true, reason: g.reason, changed: g.changed };
  if (wantsFrames(state.tracker)) {
    // Look again, and make this frame the gate's reference so the next still frame is still.
    return { state: { ...state, motion: { reference: thumb, lastRunAtMs: atMs } }, run: true, reason: 'tracking', changed: g.changed };
  }
  return { state: { motion: g.state, tracker: stillFrame(state.tracker, atMs) }, run: false, reason: 'still', changed: g.changed };
}

/** The detections of a frame the models saw: the tracker's events and best frames. */
export function afterInference(state: CameraWatchState, settings: TrackerSettings, detections: readonly Detection[], atMs: number): TrackResult & { readonly watch: CameraWatchState } {
  const r = track(state.tracker, settings, detections, atMs);
  return { ...r, watch: { ...state, tracker: r.state } };
}

/** The camera gave no frame (failing, or stopping): objects unseen for endAfterMs end. */
export function withoutFrame(state: CameraWatchState, settings: TrackerSettings, atMs: number): TrackResult & { readonly watch: CameraWatchState } {
  const r = expire(state.tracker, settings, atMs);
  return { ...r, watch: { ...state, tracker: r.state } };
}
