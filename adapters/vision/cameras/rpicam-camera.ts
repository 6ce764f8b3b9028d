import { ProcessCamera } from './process-camera.js';

export interface RpicamOptions {
  readonly name: string;
  /** rpicam-still (Bookworm and later) or libcamera-still (Bullseye). */
  readonly command: string;
  readonly camera: number;
  readonly width: number;
  readonly height: number;
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly now?: () => number;
}

/**
 * The arguments of one still to stdout: no preview window (-n), capture after 1 ms (-t 1; the
 * auto exposure has converged enough at the default interval), JPEG (-e jpg) to stdout (-o -).
 * rpicam-still and libcamera-still take the same options.
 */
export function rpicamArgs(o: Pick<RpicamOptions, 'camera' | 'width' | 'height'>): string[] {
  return ['-n', '-t', '1', '--camera', String(o.camera), '--width', String(o.width), '--height', String(o.height), '-e', 'jpg', '-o', '-'];
}

/** The Raspberry Pi camera through rpicam-still / libcamera-still. */
export function rpicamCamera(o: RpicamOptions): ProcessCamera {
  return new ProcessCamera({
    name: o.name,
    describe: `rpicam ${o.command} camera ${o.camera} ${o.width}x${o.height}`,
    command: o.command,
    args: rpicamArgs(o),
    timeoutMs: o.timeoutMs,
    maxFrameBytes: o.maxFrameBytes,
    ...(o.now ? { now: o.now } : {}),
  });
}
