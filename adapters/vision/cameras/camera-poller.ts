import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import { cameraFailed, cameraOk, nextGrabDelay, type CameraHealth } from '../../../core/vision/camera-retry.js';
import type { CameraSource, CapturedFrame } from '../../../core/vision/vision-port.js';

export interface PollerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CameraPollerOptions {
  readonly camera: CameraSource;
  readonly intervalMs: number;
  /** Longest wait between tries of a failing camera (default 5 min). */
  readonly maxBackoffMs?: number;
  /** Handles a frame; the next grab waits for it, so frames never pile up behind a slow model. */
  readonly onFrame: (frame: CapturedFrame) => Promise<void>;
  /** A grab failed (the camera's health already counts it). Log it here; it is retried with backoff. */
  readonly onCameraError?: (err: unknown, health: CameraHealth) => void;
  /** onFrame failed (a model, the journal): not the camera's fault, so no backoff. SMOL_FRAME_INVALID from onFrame is the camera's (onCameraError). */
  readonly onFrameError?: (err: unknown) => void;
  readonly timers?: PollerTimers;
  readonly random?: () => number;
  readonly now?: () => number;
}

/**
 * Grabs a camera's frames one after the other: every intervalMs while it works, with exponential
 * backoff while it fails (core/vision/camera-retry.ts), and never a made-up frame. stop() aborts a
 * grab in progress, waits for the frame being handled, and closes the camera.
 */
export class CameraPoller {
  private state: CameraHealth = { failures: 0 };
  private timer: unknown;
  private grabbing: AbortController | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: CameraPollerOptions) {}

  /** The camera's health: consecutive failures, the last frame's time, the last error. */
  get health(): CameraHealth {
    return this.state;
  }

  /** Grabs the first frame now. */
  start(): void {
    if (this.stopped || this.running || this.timer !== undefined) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) (this.o.timers ?? globalThis).clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
    this.grabbing?.abort();
    await this.running;
    await this.o.camera.close();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const timers = this.o.timers ?? globalThis;
    this.timer = timers.setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    const now = this.o.now ?? Date.now;
    const grabbing = (this.grabbing = new AbortController());
    const failed = (before: CameraHealth, err: unknown) => {
      const code = isSmolError(err) ? err.code : 'UNKNOWN';
      this.state = cameraFailed(before, code, err instanceof Error ? err.message : String(err), now());
      this.o.onCameraError?.(err, this.state);
      this.schedule(nextGrabDelay(this.o.intervalMs, this.state, (this.o.random ?? Math.random)(), this.o.maxBackoffMs));
    };
    let frame: CapturedFrame;
    try {
      frame = await this.o.camera.grab(grabbing.signal);
    } catch (err) {
      if (this.stopped) return;
      return failed(this.state, err);
    } finally {
      this.grabbing = undefined;
    }
    const before = this.state;
    this.state = cameraOk(now());
    try {
      await this.o.onFrame(frame);
    } catch (err) {
      // Bytes that pass the camera's checks (JPEG markers) but do not decode are the camera's fault,
      // not the handler's: counted against it, backed off, and not a frame (health as before it).
      if (isSmolError(err) && err.code === ErrorCodes.FRAME_INVALID) return failed(before, err);
      this.o.onFrameError?.(err);
    }
    this.schedule(this.o.intervalMs);
  }
}
