import { ErrorCodes, SmolError } from '../../../core/errors.js';

/**
 * The most pixels a frame may have (8K UHD is 33.2 Mpx). A small PNG can declare 16000×16000
 * pixels and cost seconds of CPU per frame to decode (a minute on a Pi): such a frame is refused
 * by the decoder as SMOL_FRAME_INVALID, before any work, instead of sharp's default 268 Mpx.
 */
export const MAX_FRAME_PIXELS = 40_000_000;

/** What an encoded frame is, by its first bytes. */
export function imageKind(bytes: Uint8Array): 'jpeg' | 'png' | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  return undefined;
}

/** Whether a JPEG has its end-of-image marker (a file still being written does not), allowing trailing padding. */
function jpegComplete(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 2; i >= Math.max(2, bytes.length - 64); i--) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return true;
  }
  return false;
}

/**
 * Checks that a camera's answer is a whole JPEG or PNG no larger than `maxBytes`.
 * Throws SMOL_FRAME_INVALID naming the camera and what was wrong; never repairs a frame.
 */
export function checkFrame(camera: string, bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.length > maxBytes) throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${camera}: frame of ${bytes.length} bytes is over the ${maxBytes}-byte cap`, { details: { camera } });
  const kind = imageKind(bytes);
  if (!kind) {
    const head = bytes.subarray(0, 16).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
    throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${camera}: the answer is not a JPEG or PNG image (${bytes.length} bytes starting "${head}")`, { details: { camera } });
  }
  if (kind === 'jpeg' && !jpegComplete(bytes)) throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${camera}: truncated JPEG (no end-of-image marker)`, { details: { camera } });
  return bytes;
}

export function cameraUnavailable(camera: string, message: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.CAMERA_UNAVAILABLE, `camera ${camera}: ${message}`, { cause, details: { camera } });
}

/** Redacts the password of a URL for logs, health and doctor (rtsp://user:secret@host → rtsp://user:***@host). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
