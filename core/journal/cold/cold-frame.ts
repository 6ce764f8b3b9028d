import { createHash, hash as oneShotHash } from 'node:crypto';
import { readVarint } from '../../events/codec.js';
import { SmolError, ErrorCodes } from '../../errors.js';
import { decompressFrame, prevOffset } from '../../sync/records.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_COMPRESSED_BYTES, MAX_FRAME_RAW_BYTES, type Compression } from '../../sync/segment-format.js';
import type { ColdFileStore } from './cold-store.js';
import type { ColdFrameRef } from './cold-index.js';

/** One event of a cold file, its body rebuilt byte for byte (prev restored), with its hash. */
export interface ColdRecord {
  readonly rangeIndex: number;
  readonly seq: number;
  readonly body: Buffer;
  readonly hash: string;
}

/** What decoding a frame needs about its file. */
export interface ColdFrameFile {
  readonly name: string;
  readonly compression: Compression;
  /** `origin utf8 | 0x00` per range: the prefix an event's hash covers. */
  readonly prefixes: readonly Buffer[];
  /** seq bounds per range, to tell a record's range from the one before. */
  readonly ranges: readonly { readonly from: number; readonly to: number }[];
}

export function corrupt(file: string, what: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.COLD_FILE_CORRUPT, `cold file ${file}: ${what}`, { ...(cause === undefined ? {} : { cause }), details: { file } });
}

/**
 * Reads one frame at its indexed offset, checks its sha-256, decompresses it and rebuilds its
 * records (the segment leaves out `prev` on all but each range's first; the index holds the hash
 * before a frame that starts inside a range). Throws SMOL_COLD_FILE_CORRUPT naming the file.
 */
export async function readColdFrame(store: ColdFileStore, file: ColdFrameFile, ref: ColdFrameRef): Promise<ColdRecord[]> {
  const head = await store.read(file.name, ref.offset, FRAME_HEADER_BYTES);
  if (head.length < FRAME_HEADER_BYTES) throw corrupt(file.name, `it ends inside the header of the frame at byte ${ref.offset} (truncated)`);
  const compressed = head.readUInt32BE(0);
  const rawLength = head.readUInt32BE(4);
  const count = head.readUInt32BE(8);
  if (compressed === 0 || compressed > MAX_FRAME_COMPRESSED_BYTES || rawLength > MAX_FRAME_RAW_BYTES || count !== ref.records) {
    throw corrupt(file.name, `the frame at byte ${ref.offset} is not the one its index names`);
  }
  const data = await store.read(file.name, ref.offset + FRAME_HEADER_BYTES, compressed);
  if (data.length < compressed) throw corrupt(file.name, `it ends inside the frame at byte ${ref.offset} (truncated)`);
  if (!createHash('sha256').update(data).digest().equals(head.subarray(12, 44))) throw corrupt(file.name, `the frame at byte ${ref.offset} fails its checksum`);
  let raw: Buffer;
  try {
    raw = decompressFrame(data, rawLength, file.compression);
  } catch (cause) {
    throw corrupt(file.name, `the frame at byte ${ref.offset} does not decompress`, cause);
  }
  const out: ColdRecord[] = [];
  let rangeIndex = ref.rangeIndex;
  let seq = ref.firstSeq;
  let prev = ref.prev;
  let o = 0;
  try {
    while (o < raw.length) {
      const [ri, o1] = readVarint(raw, o);
      const [len, o2] = readVarint(raw, o1);
      if (ri !== rangeIndex) {
        rangeIndex = ri;
        seq = file.ranges[ri]?.from ?? 0;
        prev = undefined;
      }
      const prefix = file.prefixes[rangeIndex];
      if (!prefix || o2 + len > raw.length) throw new Error('a record does not fit its frame');
      const wire = raw.subarray(o2, o2 + len);
      let full: Buffer;
      if (prev === undefined) {
        full = Buffer.concat([prefix, wire]);
      } else {
        const cut = prevOffset(wire);
        full = Buffer.allocUnsafe(prefix.length + wire.length + 32);
        prefix.copy(full, 0);
        wire.copy(full, prefix.length, 0, cut);
        full.write(prev, prefix.length + cut, 32, 'hex');
        wire.copy(full, prefix.length + cut + 32, cut);
      }
      const body = full.subarray(prefix.length);
      if (readVarint(body, 1)[0] !== seq) throw new Error(`seq ${readVarint(body, 1)[0]} where ${seq} was due`);
      prev = oneShotHash('sha256', full, 'hex');
      out.push({ rangeIndex, seq, body, hash: prev });
      seq++;
      o = o2 + len;
    }
  } catch (cause) {
    throw corrupt(file.name, `the frame at byte ${ref.offset} holds a bad record`, cause);
  }
  if (out.length !== count) throw corrupt(file.name, `the frame at byte ${ref.offset} holds ${out.length} records, not ${count}`);
  return out;
}
