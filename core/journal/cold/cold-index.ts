import { putVarint, readVarint, varintLength } from '../../events/codec.js';
import { SmolError, ErrorCodes } from '../../errors.js';

/**
 * The seek index of one cold file, kept in the manifest's batch (not in the file: a cold file is a
 * plain segment that `journal import` reads too). Small: one entry per frame (~3,000 events) and
 * one per run of consecutive positions of the same origin (one run for a node alone).
 *
 *   varint frames | per frame: varint offset | varint rangeIndex | varint firstSeq | varint records | u8 hasPrev | [32 B prev]
 *   varint runs   | per run:   varint rangeIndex | varint count
 */
export interface ColdFrameRef {
  /** Byte offset of the frame's header in the file. */
  readonly offset: number;
  /** Range (origin) and seq of the frame's first record. */
  readonly rangeIndex: number;
  readonly firstSeq: number;
  readonly records: number;
  /** The hash of the record before (hex), when the first record is not the first of its range. */
  readonly prev: string | undefined;
}

/** Consecutive positions holding events of one range (origin), in position order. */
export interface ColdRun {
  readonly rangeIndex: number;
  readonly count: number;
}

export interface ColdIndex {
  readonly frames: readonly ColdFrameRef[];
  readonly runs: readonly ColdRun[];
}

/** The index's bytes. */
export function encodeColdIndex(index: ColdIndex): Buffer {
  let size = varintLength(index.frames.length) + varintLength(index.runs.length);
  for (const f of index.frames) size += varintLength(f.offset) + varintLength(f.rangeIndex) + varintLength(f.firstSeq) + varintLength(f.records) + 1 + (f.prev ? 32 : 0);
  for (const r of index.runs) size += varintLength(r.rangeIndex) + varintLength(r.count);
  const out = Buffer.allocUnsafe(size);
  let o = putVarint(out, 0, index.frames.length);
  for (const f of index.frames) {
    o = putVarint(out, o, f.offset);
    o = putVarint(out, o, f.rangeIndex);
    o = putVarint(out, o, f.firstSeq);
    o = putVarint(out, o, f.records);
    out[o++] = f.prev ? 1 : 0;
    if (f.prev) o += out.write(f.prev, o, 32, 'hex');
  }
  o = putVarint(out, o, index.runs.length);
  for (const r of index.runs) {
    o = putVarint(out, o, r.rangeIndex);
    o = putVarint(out, o, r.count);
  }
  return out;
}

/** Parses an index. Throws SMOL_COLD_FILE_CORRUPT naming the file when it does not parse. */
export function decodeColdIndex(bytes: Buffer, file: string): ColdIndex {
  try {
    let o = 0;
    const next = (): number => {
      const [v, n] = readVarint(bytes, o);
      o = n;
      return v;
    };
    const frames: ColdFrameRef[] = [];
    for (let i = next(); i > 0; i--) {
      const offset = next();
      const rangeIndex = next();
      const firstSeq = next();
      const records = next();
      const hasPrev = bytes[o++] === 1;
      const prev = hasPrev ? bytes.subarray(o, o + 32).toString('hex') : undefined;
      if (hasPrev) o += 32;
      frames.push({ offset, rangeIndex, firstSeq, records, prev });
    }
    const runs: ColdRun[] = [];
    for (let i = next(); i > 0; i--) runs.push({ rangeIndex: next(), count: next() });
    if (o !== bytes.length) throw new Error('trailing bytes');
    return { frames, runs };
  } catch (cause) {
    throw new SmolError(ErrorCodes.COLD_FILE_CORRUPT, `the seek index of cold file ${file} does not parse`, { cause, details: { file } });
  }
}

/** Appends `count` positions of `rangeIndex` to runs, merging with the last run. */
export function pushRun(runs: ColdRun[], rangeIndex: number, count = 1): void {
  const last = runs[runs.length - 1];
  if (last && last.rangeIndex === rangeIndex) runs[runs.length - 1] = { rangeIndex, count: last.count + count };
  else runs.push({ rangeIndex, count });
}
