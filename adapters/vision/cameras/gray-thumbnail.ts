import { loadSharp } from '../load-sharp.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { GrayFrame } from '../../../core/vision/motion.js';
import { MAX_FRAME_PIXELS } from './frame-bytes.js';

/** The motion gate's thumbnail size: 3,072 pixels, enough to see a person at 416×320. */
export const THUMB_WIDTH = 64;
export const THUMB_HEIGHT = 48;

/**
 * Decodes a frame to a small grayscale thumbnail for the motion gate (core/vision/motion.ts).
 * Throws SMOL_FRAME_INVALID when the bytes do not decode.
 */
export async function grayThumbnail(camera: string, image: Buffer, width = THUMB_WIDTH, height = THUMB_HEIGHT): Promise<GrayFrame> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(image, { failOn: 'error', limitInputPixels: MAX_FRAME_PIXELS }).resize(width, height, { fit: 'fill' }).grayscale().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new TypeError(`expected 1 channel, got ${info.channels}`);
    return { width: info.width, height: info.height, gray: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new SmolError(ErrorCodes.FRAME_INVALID, `camera ${camera}: frame does not decode: ${err instanceof Error ? err.message : String(err)}`, { cause: err, details: { camera } });
  }
}
