import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants as zc, gunzipSync, gzip, gzipSync } from 'node:zlib';
import { CODEC_VERSION } from '../events/codec.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { Compression } from './segment-format.js';
import { formatError } from './segment-format.js';

/**
 * Records inside a decompressed frame: `varint range index | varint length | wire body`.
 * The wire body is the event body verbatim, except that every event but the first of its range
 * leaves out its 32-byte `prev`: it is the hash of the record before, which the reader computes
 * anyway to check the chain, so it puts those bytes back and gets the exact body the hash covers.
 */

/** Offset of the 32 `prev` bytes inside an event body (codec | seq | hlc | v | type | prev | data). */
export function prevOffset(body: Uint8Array): number {
  if (body[0] !== CODEC_VERSION) throw formatError(`record has unknown event codec ${body[0]}`);
  const afterSeq = skipVarint(body, 1);
  const afterV = skipVarint(body, afterSeq + 8);
  const typeLen = body[afterV];
  if (typeLen === undefined) throw formatError('record ends inside its event header');
  return afterV + 1 + typeLen;
}

/** The offset after the varint at `offset` (no tuple: the reader calls this for every record). */
function skipVarint(buf: Uint8Array, offset: number): number {
  for (let i = offset; i < buf.length && i < offset + 8; i++) if (buf[i]! < 0x80) return i + 1;
  throw formatError('record ends inside its event header');
}

/** A growable byte buffer for building frames without one allocation per record. */
export class FrameBuilder {
  private buf = Buffer.allocUnsafe(64 << 10);
  length = 0;
  records = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  private varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.length++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.length++] = n;
  }

  /** Appends one record; `elidePrev` for every event but the first of its range. */
  add(rangeIndex: number, body: Buffer, elidePrev: boolean): void {
    const cut = elidePrev ? prevOffset(body) : -1;
    const wireLength = elidePrev ? body.length - 32 : body.length;
    this.ensure(wireLength + 20);
    this.varint(rangeIndex);
    this.varint(wireLength);
    if (elidePrev) {
      body.copy(this.buf, this.length, 0, cut);
      body.copy(this.buf, this.length + cut, cut + 32);
    } else {
      body.copy(this.buf, this.length);
    }
    this.length += wireLength;
    this.records++;
  }

  /** The raw bytes so far (a view; valid until the next add or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.records = 0;
  }
}

const brotliOptions = (size: number) => ({ params: { [zc.BROTLI_PARAM_QUALITY]: 5, [zc.BROTLI_PARAM_LGWIN]: 20, [zc.BROTLI_PARAM_SIZE_HINT]: size } });

/** Compresses one frame's raw bytes. */
export function compressFrame(raw: Buffer, compression: Compression): Buffer {
  switch (compression) {
    case 'brotli':
      return brotliCompressSync(raw, brotliOptions(raw.length));
    case 'gzip':
      return gzipSync(raw, { level: 6 });
    case 'none':
      return Buffer.from(raw);
  }
}

/** Like compressFrame, on libuv's thread pool, so reading the next frame's events overlaps it. `raw` must not change meanwhile. */
export function compressFrameAsync(raw: Buffer, compression: Compression): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(err) : resolve(out));
    if (compression === 'brotli') brotliCompress(raw, brotliOptions(raw.length), done);
    else if (compression === 'gzip') gzip(raw, { level: 6 }, done);
    else resolve(Buffer.from(raw));
  });
}

/** Decompresses a frame to exactly `rawLength` bytes. Throws SMOL_SEGMENT_CHECKSUM when it cannot. */
export function decompressFrame(data: Buffer, rawLength: number, compression: Compression): Buffer {
  let out: Buffer;
  try {
    switch (compression) {
      case 'brotli':
        out = brotliDecompressSync(data, { maxOutputLength: Math.max(rawLength, 1) });
        break;
      case 'gzip':
        out = gunzipSync(data, { maxOutputLength: Math.max(rawLength, 1) });
        break;
      case 'none':
        out = data;
        break;
    }
  } catch (cause) {
    throw new SmolError(ErrorCodes.SEGMENT_CHECKSUM, 'a frame does not decompress: the segment is corrupted', { cause });
  }
  if (out.length !== rawLength) throw new SmolError(ErrorCodes.SEGMENT_CHECKSUM, `a frame decompresses to ${out.length} bytes, not the ${rawLength} it declares`);
  return out;
}
