import type { ChildProcess } from 'node:child_process';
import type { CameraSource, CapturedFrame } from '../../../core/vision/vision-port.js';
import { cameraUnavailable } from './frame-bytes.js';
import { grabFromProcess, killAll } from './process-grab.js';

export interface ProcessCameraOptions {
  readonly name: string;
  readonly describe: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly now?: () => number;
}

/** A camera read by running a program once per frame (rpicam-still, ffmpeg). */
export class ProcessCamera implements CameraSource {
  readonly name: string;
  readonly describe: string;
  private readonly running = new Set<ChildProcess>();
  private closed = false;

  constructor(private readonly options: ProcessCameraOptions) {
    this.name = options.name;
    this.describe = options.describe;
  }

  /** One frame. Throws SMOL_CAMERA_UNAVAILABLE or SMOL_FRAME_INVALID (see grabFromProcess). */
  async grab(signal?: AbortSignal): Promise<CapturedFrame> {
    if (this.closed) throw cameraUnavailable(this.name, 'closed');
    const { command, args, timeoutMs, maxFrameBytes } = this.options;
    const image = await grabFromProcess({ camera: this.name, command, args, timeoutMs, maxBytes: maxFrameBytes, signal, running: this.running });
    return { camera: this.name, image, capturedAtMs: (this.options.now ?? Date.now)() };
  }

  /** Kills a grab in progress; later grabs fail. */
  async close(): Promise<void> {
    this.closed = true;
    killAll(this.running);
  }
}
