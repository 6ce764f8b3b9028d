import { ProcessCamera } from './process-camera.js';
import { redactUrl } from './frame-bytes.js';

export interface FfmpegOptions {
  readonly name: string;
  readonly ffmpeg: string;
  readonly width: number;
  readonly height: number;
  readonly timeoutMs: number;
  readonly maxFrameBytes: number;
  readonly now?: () => number;
}

/**
 * ffmpeg arguments that read one frame from `input` (its own demuxer options first) and write it
 * as a JPEG to stdout, scaled to width × height (a webcam or a stream need not offer that size).
 */
export function ffmpegArgs(input: readonly string[], width: number, height: number): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-nostdin', ...input, '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-q:v', '4', '-f', 'image2pipe', '-vcodec', 'mjpeg', '-'];
}

/** A camera ffmpeg reads from any input: the base of the V4L2 and RTSP cameras (and of the tests, with lavfi). */
export function ffmpegCamera(o: FfmpegOptions, input: readonly string[], describe: string): ProcessCamera {
  return new ProcessCamera({
    name: o.name,
    describe,
    command: o.ffmpeg,
    args: ffmpegArgs(input, o.width, o.height),
    timeoutMs: o.timeoutMs,
    maxFrameBytes: o.maxFrameBytes,
    ...(o.now ? { now: o.now } : {}),
  });
}

/** A USB webcam through V4L2 (`/dev/videoN`). */
export function v4l2Camera(o: FfmpegOptions & { readonly device: string }): ProcessCamera {
  return ffmpegCamera(o, ['-f', 'v4l2', '-i', o.device], `v4l2 ${o.device}`);
}

/** An RTSP stream (over TCP: UDP loses packets on Wi-Fi and gives grey smears). */
export function rtspCamera(o: FfmpegOptions & { readonly url: string }): ProcessCamera {
  return ffmpegCamera(o, ['-rtsp_transport', 'tcp', '-i', o.url], `rtsp ${redactUrl(o.url)}`);
}
