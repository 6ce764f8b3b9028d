import sharp from 'sharp';

/** A noisy JPEG frame (frames of different seeds differ and do not compress to nothing). */
export async function noisyJpeg(seed: number, width = 416, height = 320): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = 96 + ((x >>> 24) & 0x3f);
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
}
