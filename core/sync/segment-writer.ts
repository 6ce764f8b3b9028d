import { createHash } from 'node:crypto';
import { SmolError, ErrorCodes } from '../errors.js';
import { FrameBuilder, compressFrameAsync } from './records.js';
import { FRAME_HEADER_BYTES, FRAME_TARGET_RAW_BYTES, SEGMENT_END, encodeHeader, signedMessage, type SegmentHeader, type SegmentRange } from './segment-format.js';

/** Signs a message with the exporter's key; returns a base64url ed25519 signature. */
export type Signer = (message: Buffer) => string;

export interface WriteSegmentOptions {
  /** Raw bytes per frame before compression (default 256 KiB). */
  readonly frameBytes?: number;
}

/**
 * Streams a segment: header, compressed frames, checksum and signature. `bodies` yields the event
 * bodies of one range in seq order; the writer holds one frame in memory, whatever the size.
 * Throws SMOL_JOURNAL_CORRUPT when a range yields a different number of events than it declares.
 */
export async function* writeSegment(
  header: SegmentHeader,
  bodies: (range: SegmentRange) => AsyncIterable<Buffer>,
  sign: Signer,
  options: WriteSegmentOptions = {},
): AsyncGenerator<Buffer> {
  const frameBytes = options.frameBytes ?? FRAME_TARGET_RAW_BYTES;
  const hash = createHash('sha256');
  const emit = (b: Buffer): Buffer => {
    hash.update(b);
    return b;
  };
  yield emit(encodeHeader(header));
  const frame = new FrameBuilder();
  // One frame compresses on the thread pool while the next one is read and built.
  let inFlight: Promise<Buffer> | undefined;
  const startFrame = (): Promise<Buffer> => {
    const raw = Buffer.from(frame.bytes());
    const records = frame.records;
    frame.reset();
    return compressFrameAsync(raw, header.compression).then((data) => {
      const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + data.length);
      out.writeUInt32BE(data.length, 0);
      out.writeUInt32BE(raw.length, 4);
      out.writeUInt32BE(records, 8);
      createHash('sha256').update(data).digest().copy(out, 12);
      data.copy(out, FRAME_HEADER_BYTES);
      return out;
    });
  };
  for (let i = 0; i < header.ranges.length; i++) {
    const range = header.ranges[i]!;
    let expect = range.from;
    for await (const body of bodies(range)) {
      if (expect > range.to) break;
      frame.add(i, body, expect !== range.from);
      expect++;
      if (frame.length >= frameBytes) {
        if (inFlight) yield emit(await inFlight);
        inFlight = startFrame();
      }
    }
    if (expect !== range.to + 1) {
      throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `cannot export ${range.origin} ${range.from}..${range.to}: the journal yielded events only up to ${expect - 1}`);
    }
  }
  if (inFlight) yield emit(await inFlight);
  if (frame.records > 0) yield emit(await startFrame());
  const end = Buffer.alloc(4);
  hash.update(end);
  const digest = hash.digest();
  const signature = Buffer.from(sign(signedMessage(digest)), 'base64url');
  if (signature.length !== 64) throw new TypeError('the signer must return a 64-byte ed25519 signature');
  yield Buffer.concat([end, digest, signature, SEGMENT_END]);
}
