import { createHash, hash as oneShotHash } from 'node:crypto';
import { nodeIdFromPublicKey, verifyMessage } from '../identity/node-identity.js';
import { SmolError, ErrorCodes } from '../errors.js';
import { ByteReader } from './byte-reader.js';
import { decompressFrame, prevOffset } from './records.js';
import {
  FRAME_HEADER_BYTES,
  MAX_FRAME_COMPRESSED_BYTES,
  MAX_FRAME_RAW_BYTES,
  PREAMBLE_BYTES,
  SEGMENT_END,
  SEGMENT_MAGIC,
  checkPreamble,
  decodeHeader,
  formatError,
  signedMessage,
  type SegmentHeader,
} from './segment-format.js';

/** One event as read from a segment: its exact body, seq and hash. */
export interface SegmentRecord {
  readonly rangeIndex: number;
  readonly origin: string;
  readonly seq: number;
  readonly body: Buffer;
  readonly hash: string;
}

export type SegmentItem =
  | { readonly kind: 'header'; readonly header: SegmentHeader }
  | { readonly kind: 'frame'; readonly index: number; readonly digest: Buffer; readonly records: readonly SegmentRecord[] }
  | { readonly kind: 'end'; readonly digest: Buffer; readonly bytes: number };

export interface ReadSegmentOptions {
  /**
   * Digests of the frames as an earlier pass saw them: a frame that differs now fails with
   * SMOL_SEGMENT_CHECKSUM before any of its records is handed out.
   */
  readonly frameDigests?: readonly Buffer[];
}

const truncated = (what: string): SmolError =>
  new SmolError(ErrorCodes.SEGMENT_TRUNCATED, `the segment ends early (${what}): it is truncated, perhaps an interrupted copy`);

/**
 * Reads a segment as a stream: the header, then every frame's records with reconstructed bodies and
 * their hashes, then the end, after the whole-file checksum and the exporter's signature check out.
 * Memory is one frame. Nothing here consults the journal: a caller must not act on records until
 * the 'end' item arrives (or must have seen it in an earlier pass with the same frame digests).
 * Throws SMOL_SEGMENT_FORMAT, SMOL_SEGMENT_TRUNCATED, SMOL_SEGMENT_CHECKSUM, SMOL_SEGMENT_SIGNATURE.
 */
export async function* readSegment(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ReadSegmentOptions = {}): AsyncGenerator<SegmentItem> {
  const reader = new ByteReader(source);
  const fileHash = createHash('sha256');
  const take = async (n: number, what: string): Promise<Buffer> => {
    const b = await reader.read(n);
    if (b.length < n) throw truncated(what);
    fileHash.update(b);
    return b;
  };
  try {
    const pre = await reader.read(PREAMBLE_BYTES);
    if (pre.length === 0) throw formatError('the file is empty, not a segment');
    if (pre.length < PREAMBLE_BYTES) {
      const n = Math.min(pre.length, SEGMENT_MAGIC.length);
      if (!pre.subarray(0, n).equals(SEGMENT_MAGIC.subarray(0, n))) throw formatError('not a smollama segment (bad magic bytes)');
      throw truncated('in the preamble');
    }
    fileHash.update(pre);
    const headerLength = checkPreamble(pre);
    const header = decodeHeader(await take(headerLength, 'in the header'));
    if (nodeIdFromPublicKey(header.publicKey) !== header.exporter) {
      throw new SmolError(ErrorCodes.SEGMENT_SIGNATURE, `the segment claims exporter ${header.exporter} but carries another node's key`);
    }
    yield { kind: 'header', header };

    const ranges = header.ranges;
    // An event's hash is sha-256 over `origin | 0x00 | body`: each body is rebuilt right after
    // that prefix in one buffer, so one one-shot hash covers it (much cheaper than a Hash object).
    const prefixes = ranges.map((r) => Buffer.concat([Buffer.from(r.origin, 'utf8'), Buffer.alloc(1)]));
    let rangeIndex = 0;
    let nextSeq = ranges[0]?.from ?? 1;
    let prevHash = '';
    let total = 0;
    for (let frameIndex = 0; ; frameIndex++) {
      const lenBytes = await take(4, `before frame ${frameIndex + 1}`);
      const compressedLength = lenBytes.readUInt32BE(0);
      if (compressedLength === 0) break;
      const fh = await take(FRAME_HEADER_BYTES - 4, `in the header of frame ${frameIndex + 1}`);
      const rawLength = fh.readUInt32BE(0);
      const count = fh.readUInt32BE(4);
      if (compressedLength > MAX_FRAME_COMPRESSED_BYTES || rawLength > MAX_FRAME_RAW_BYTES || count === 0 || count > rawLength) {
        throw formatError(`frame ${frameIndex + 1} declares impossible sizes (${compressedLength} compressed, ${rawLength} raw, ${count} records)`);
      }
      const data = await take(compressedLength, `inside frame ${frameIndex + 1}`);
      const digest = createHash('sha256').update(data).digest();
      if (!digest.equals(fh.subarray(8, 40))) {
        throw new SmolError(ErrorCodes.SEGMENT_CHECKSUM, `frame ${frameIndex + 1} is corrupted (its checksum does not match)`);
      }
      const expected = options.frameDigests?.[frameIndex];
      if (options.frameDigests && !expected?.equals(digest)) {
        throw new SmolError(ErrorCodes.SEGMENT_CHECKSUM, `frame ${frameIndex + 1} changed since the segment was verified`);
      }
      const raw = decompressFrame(data, rawLength, header.compression);
      const records: SegmentRecord[] = [];
      let o = 0;
      while (o < raw.length) {
        const ri = varintAt(raw, o, frameIndex);
        const len = varintAt(raw, varintEnd, frameIndex);
        const o2 = varintEnd;
        if (o2 + len > raw.length) throw formatError(`frame ${frameIndex + 1}: a record runs past the end of its frame`);
        if (ri !== rangeIndex) {
          if (ri !== rangeIndex + 1 || nextSeq !== (ranges[rangeIndex]?.to ?? 0) + 1) {
            throw formatError(`frame ${frameIndex + 1}: records of range ${ri + 1} appear out of order`);
          }
          rangeIndex = ri;
          nextSeq = ranges[ri]?.from ?? 0;
        }
        const range = ranges[rangeIndex];
        if (!range || nextSeq > range.to) throw formatError(`frame ${frameIndex + 1}: more records than the header's ranges hold`);
        const first = nextSeq === range.from;
        const wire = raw.subarray(o2, o2 + len);
        const prefix = prefixes[rangeIndex]!;
        const cut = prevOffset(wire);
        if (cut + (first ? 32 : 0) > wire.length) throw formatError(`frame ${frameIndex + 1}: a record ends inside its event header`);
        let full: Buffer;
        if (first) {
          full = Buffer.allocUnsafe(prefix.length + wire.length);
          prefix.copy(full, 0);
          wire.copy(full, prefix.length);
        } else {
          full = Buffer.allocUnsafe(prefix.length + wire.length + 32);
          prefix.copy(full, 0);
          wire.copy(full, prefix.length, 0, cut);
          full.write(prevHash, prefix.length + cut, 32, 'hex');
          wire.copy(full, prefix.length + cut + 32, cut);
        }
        const body = full.subarray(prefix.length);
        const seq = varintAt(body, 1, frameIndex);
        if (seq !== nextSeq) throw formatError(`frame ${frameIndex + 1}: ${range.origin} seq ${seq} where ${nextSeq} was due`);
        prevHash = oneShotHash('sha256', full, 'hex');
        records.push({ rangeIndex, origin: range.origin, seq, body, hash: prevHash });
        nextSeq++;
        o = o2 + len;
      }
      if (records.length !== count) throw formatError(`frame ${frameIndex + 1} holds ${records.length} records, not the ${count} it declares`);
      total += count;
      yield { kind: 'frame', index: frameIndex, digest, records };
    }
    if (total !== header.count || (ranges.length > 0 && (rangeIndex !== ranges.length - 1 || nextSeq !== ranges[rangeIndex]!.to + 1))) {
      throw formatError(`the segment holds ${total} events, not the ${header.count} its header lists`);
    }
    const digest = fileHash.digest();
    const trailer = await reader.read(32 + 64 + SEGMENT_END.length);
    if (trailer.length < 32 + 64 + SEGMENT_END.length) throw truncated('in the trailer');
    if (!trailer.subarray(0, 32).equals(digest)) throw new SmolError(ErrorCodes.SEGMENT_CHECKSUM, 'the segment checksum does not match its contents: it is corrupted');
    if (!trailer.subarray(96).equals(SEGMENT_END)) throw formatError('the segment does not end with its end marker');
    const signature = trailer.subarray(32, 96).toString('base64url');
    if (!verifyMessage(header.publicKey, signedMessage(digest), signature)) {
      throw new SmolError(ErrorCodes.SEGMENT_SIGNATURE, `the segment is not signed by ${header.exporter}, whose key it names: it is forged or altered`);
    }
    if (!(await reader.atEnd())) throw formatError('bytes follow the end of the segment');
    yield { kind: 'end', digest, bytes: reader.offset };
  } finally {
    await reader.close();
  }
}

/** Where the varint read last by varintAt ends (module state: no tuple per record). */
let varintEnd = 0;

/** Reads a LEB128 varint at `offset`; leaves the offset after it in `varintEnd`. */
function varintAt(buf: Buffer, offset: number, frameIndex: number): number {
  let result = 0;
  let scale = 1;
  for (let i = offset; i < buf.length && i < offset + 8; i++) {
    const b = buf[i]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      varintEnd = i + 1;
      return result;
    }
    scale *= 0x80;
  }
  throw formatError(`frame ${frameIndex + 1}: a record length is cut off`);
}
