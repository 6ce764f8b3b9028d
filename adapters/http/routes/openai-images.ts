import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { LlmImage } from '../../../core/llm/llm-port.js';

/**
 * OpenAI image content parts (`{type: 'image_url', image_url: {url, detail?}}`) as images for the
 * model. Only inline `data:` URLs of JPEG, PNG or WebP are taken: a node does not fetch URLs it is
 * given (a request could make it reach into its own network, and it is often offline).
 */

/** Largest image, decoded (bytes): well below /v1/chat/completions' 4 MiB body limit. */
export const MAX_IMAGE_BYTES = 2 << 20;
/** Most images in one request (a Pi's vision model takes minutes over many). */
export const MAX_IMAGES = 8;

const DATA_URL = /^data:([a-z0-9.+-]+\/[a-z0-9.+-]+)?((?:;[^;,]*)*?);base64,/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The image type its first bytes say, or undefined when they are not a JPEG, PNG or WebP. */
export function sniffImage(bytes: Buffer): LlmImage['mediaType'] | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'image/webp';
  return undefined;
}

const TYPES = new Set(['image/jpeg', 'image/jpg', 'image/png', 'image/webp']);

/**
 * One image URL as an image. `param` names it in errors. Throws SMOL_IMAGE_URL_REFUSED (not a
 * data: URL: http(s) and every other scheme), SMOL_FRAME_INVALID (not base64, not a JPEG/PNG/WebP,
 * empty or over MAX_IMAGE_BYTES).
 */
export function imageFromUrl(url: string, detail: string | undefined, param: string): LlmImage {
  const m = DATA_URL.exec(url);
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    const what = scheme === 'http' || scheme === 'https' ? 'a remote image URL' : scheme ? `a ${scheme}: URL` : 'that URL';
    throw new SmolError(ErrorCodes.IMAGE_URL_REFUSED, `${param}: this node does not fetch ${what}; send the image inline as data:image/jpeg;base64,… (JPEG, PNG or WebP)`, { details: { param } });
  }
  const declared = m[1]?.toLowerCase();
  if (!declared || !TYPES.has(declared)) {
    throw new SmolError(ErrorCodes.FRAME_INVALID, `${param}: ${declared ?? 'no media type'}: only image/jpeg, image/png and image/webp are taken`, { details: { param } });
  }
  const b64 = url.slice(m[0].length);
  // Checked before decoding: Buffer.from(…, 'base64') skips what is not base64 and never fails.
  if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) throw new SmolError(ErrorCodes.FRAME_INVALID, `${param}: the data: URL is not valid base64`, { details: { param } });
  if ((b64.length / 4) * 3 > MAX_IMAGE_BYTES + 2) throw new SmolError(ErrorCodes.FRAME_INVALID, `${param}: image over ${MAX_IMAGE_BYTES} bytes; send a smaller one`, { details: { param } });
  const bytes = Buffer.from(b64, 'base64');
  const actual = sniffImage(bytes);
  if (!actual) throw new SmolError(ErrorCodes.FRAME_INVALID, `${param}: the bytes are not a JPEG, PNG or WebP image`, { details: { param } });
  // The bytes decide the type: clients often label every image image/jpeg.
  return { mediaType: actual, base64: b64, ...(detail ? { detail } : {}) };
}

/** A content part as the request schema lets it through. */
type Part = { type: string; text?: string | undefined; image_url?: unknown } & Record<string, unknown>;

/** The images of message `index`'s content parts. Throws as imageFromUrl, and SMOL_BAD_REQUEST for a malformed part. */
export function imagesOf(content: unknown, index: number): LlmImage[] {
  if (!Array.isArray(content)) return [];
  const out: LlmImage[] = [];
  (content as Part[]).forEach((p, j) => {
    if (p.type !== 'image_url') return;
    const param = `messages.${index}.content.${j}.image_url`;
    const v = p.image_url;
    const url = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { url?: unknown }).url : undefined;
    const detail = v && typeof v === 'object' ? (v as { detail?: unknown }).detail : undefined;
    if (typeof url !== 'string') throw new SmolError(ErrorCodes.BAD_REQUEST, `${param}.url: expected a string`, { details: { param: `${param}.url` } });
    out.push(imageFromUrl(url, typeof detail === 'string' ? detail : undefined, `${param}.url`));
  });
  return out;
}

/** Throws SMOL_BAD_REQUEST when the request holds more than MAX_IMAGES images. */
export function checkImageCount(count: number): void {
  if (count > MAX_IMAGES) throw new SmolError(ErrorCodes.BAD_REQUEST, `messages: ${count} images; at most ${MAX_IMAGES} in one request`, { details: { param: 'messages' } });
}
