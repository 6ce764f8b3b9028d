import { loadSharp } from '../load-sharp.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { imageKind, MAX_FRAME_PIXELS } from '../cameras/frame-bytes.js';
import type { Box } from '../../../core/vision/vision-port.js';

export const THUMBNAIL_WIDTH = 160;

/** The snapshot image and its thumbnail, both JPEG. */
export interface AnnotatedSnapshot {
  readonly image: Buffer;
  readonly thumbnail: Buffer;
}

const clamp = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * The frame with the boxes drawn (an SVG rectangle composited by sharp; no text, so no font is
 * needed on a Pi), re-encoded as JPEG, and a 160 px wide thumbnail of it.
 * Throws SMOL_FRAME_INVALID when the frame does not decode.
 */
export async function annotate(frame: Buffer, boxes: readonly Box[], quality = 80): Promise<AnnotatedSnapshot> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(frame, { failOn: 'error' }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new TypeError('no size');
    const stroke = Math.max(2, Math.round(Math.min(width, height) / 150));
    const rects = boxes
      .map((b) => {
        const x = Math.round(clamp(b.x) * width);
        const y = Math.round(clamp(b.y) * height);
        const w = Math.max(1, Math.round(clamp(b.w) * width));
        const h = Math.max(1, Math.round(clamp(b.h) * height));
        return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="#ff3b30" stroke-width="${stroke}"/>`;
      })
      .join('');
    const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${rects}</svg>`);
    const image = await sharp(frame).autoOrient().composite([{ input: svg, top: 0, left: 0 }]).jpeg({ quality }).toBuffer();
    const thumbnail = await sharp(image).resize({ width: Math.min(THUMBNAIL_WIDTH, width) }).jpeg({ quality: 70 }).toBuffer();
    return { image, thumbnail };
  } catch (err) {
    throw new SmolError(ErrorCodes.FRAME_INVALID, `snapshot frame does not decode: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * The thumbnail of a snapshot made elsewhere (a peer's, received by sync), checking that it is a
 * JPEG that decodes whole, of at most MAX_FRAME_PIXELS. Throws SMOL_FRAME_INVALID otherwise.
 */
export async function thumbnailOf(image: Buffer): Promise<Buffer> {
  if (imageKind(image) !== 'jpeg') throw new SmolError(ErrorCodes.FRAME_INVALID, 'a snapshot must be a JPEG (it does not start with FF D8 FF)');
  const sharp = await loadSharp();
  try {
    const decoder = sharp(image, { failOn: 'error', limitInputPixels: MAX_FRAME_PIXELS });
    const meta = await decoder.metadata();
    if (meta.format !== 'jpeg' || !meta.width) throw new TypeError(`format ${meta.format ?? 'unknown'}`);
    return await decoder.resize({ width: Math.min(THUMBNAIL_WIDTH, meta.width) }).jpeg({ quality: 70 }).toBuffer();
  } catch (err) {
    throw new SmolError(ErrorCodes.FRAME_INVALID, `the snapshot does not decode as a JPEG: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
