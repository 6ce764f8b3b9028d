import { nextDelay } from '../sync/backoff.js';

/**
 * When to grab a camera's next frame: its interval while it works; after failures the interval
 * doubled per failure up to `maxBackoffMs` (with jitter), so a camera that is unplugged costs a
 * spawn every few minutes, not every 5 s, and comes back on its own.
 */
export interface CameraHealth {
  readonly failures: number;
  readonly lastFrameAtMs?: number;
  /** The code and message of the last failure, for health and doctor. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly atMs: number };
}

export const DEFAULT_CAMERA_MAX_BACKOFF_MS = 300_000;

export function cameraOk(atMs: number): CameraHealth {
  return { failures: 0, lastFrameAtMs: atMs };
}

export function cameraFailed(health: CameraHealth, code: string, message: string, atMs: number): CameraHealth {
  return { ...health, failures: health.failures + 1, lastError: { code, message, atMs } };
}

/** Delay before the next grab (ms); `random` is in [0, 1). */
export function nextGrabDelay(intervalMs: number, health: CameraHealth, random: number, maxBackoffMs = DEFAULT_CAMERA_MAX_BACKOFF_MS): number {
  if (health.failures === 0) return intervalMs;
  return nextDelay({ intervalMs, maxBackoffMs: Math.max(intervalMs, maxBackoffMs) }, health.failures, random);
}
