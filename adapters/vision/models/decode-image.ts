import { loadSharp } from '../load-sharp.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { DecodedFrame } from '../../../core/vision/vision-port.js';
import { MAX_FRAME_PIXELS } from '../cameras/frame-bytes.js';

/** The models' default frame width: 416 px (the height keeps the aspect ratio). */
export const DEFAULT_FRAME_WIDTH = 416;

/** A JPEG/PNG decoded to RGB at `width` px wide (sharp, CPU). Throws SMOL_FRAME_INVALID. */
export async function decodeImage(image: Buffer, camera: string, capturedAtMs: number, width = DEFAULT_FRAME_WIDTH): Promise<DecodedFrame> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(image, { limitInputPixels: MAX_FRAME_PIXELS }).rotate().removeAlpha().resize({ width }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { camera, width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), capturedAtMs };
  } catch (err) {
    throw new SmolError(ErrorCodes.FRAME_INVALID, `frame from ${camera} is not a decodable image`, { cause: err });
  }
}
