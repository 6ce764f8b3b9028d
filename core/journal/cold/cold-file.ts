import { checkPreamble, decodeHeader, PREAMBLE_BYTES, type SegmentHeader } from '../../sync/segment-format.js';
import type { ColdFileEntry } from './cold-manifest.js';
import type { ColdFileStore } from './cold-store.js';
import { decodeColdIndex, type ColdFrameRef } from './cold-index.js';
import { corrupt, readColdFrame, type ColdFrameFile, type ColdRecord } from './cold-frame.js';

/** Decoded frames kept per reader: a get or a short read seldom decodes the same frame twice. */
export class FrameCache {
  private readonly items = new Map<string, Promise<ColdRecord[]>>();
  constructor(private readonly size = 4) {}

  get(key: string, load: () => Promise<ColdRecord[]>): Promise<ColdRecord[]> {
    let hit = this.items.get(key);
    if (hit) {
      this.items.delete(key);
      this.items.set(key, hit);
      return hit;
    }
    hit = load();
    hit.catch(() => this.items.delete(key));
    this.items.set(key, hit);
    while (this.items.size > this.size) this.items.delete(this.items.keys().next().value!);
    return hit;
  }

  clear(): void {
    this.items.clear();
  }
}

/** Where one origin's records are being read: the decoded frame and the next seq due. */
class RangeCursor {
  private records: readonly ColdRecord[] = [];
  private i = 0;
  constructor(
    private readonly rangeIndex: number,
    private seq: number,
    /** The next frame to load. */
    public frame: number,
  ) {}

  load(records: readonly ColdRecord[]): void {
    this.records = records;
    this.i = 0;
    this.frame++;
  }

  /** The next record of the range, or undefined when the loaded frame has no more of it. */
  take(): ColdRecord | undefined {
    while (this.i < this.records.length) {
      const r = this.records[this.i++]!;
      if (r.rangeIndex < this.rangeIndex || (r.rangeIndex === this.rangeIndex && r.seq < this.seq)) continue;
      if (r.rangeIndex > this.rangeIndex) {
        this.i = this.records.length;
        return undefined;
      }
      this.seq = r.seq + 1;
      return r;
    }
    return undefined;
  }
}

/**
 * One opened cold file: its header, seek index and where each run of positions starts, so a
 * position or (origin, seq) finds its frame by binary search and records stream frame by frame.
 */
export class ColdFile {
  private readonly frameFile: ColdFrameFile;
  /** Per run: first position, rangeIndex, seq of its first event (typed arrays: bounded, compact). */
  private readonly runPos: Float64Array;
  private readonly runRange: Uint32Array;
  private readonly runSeq: Float64Array;
  private readonly runCount: Float64Array;

  private constructor(
    readonly entry: ColdFileEntry,
    readonly header: SegmentHeader,
    private readonly frames: readonly ColdFrameRef[],
    runs: readonly { rangeIndex: number; count: number }[],
    private readonly store: ColdFileStore,
    private readonly cache: FrameCache,
  ) {
    this.frameFile = {
      name: entry.name,
      compression: header.compression,
      prefixes: header.ranges.map((r) => Buffer.concat([Buffer.from(r.origin, 'utf8'), Buffer.alloc(1)])),
      ranges: header.ranges,
    };
    this.runPos = new Float64Array(runs.length);
    this.runRange = new Uint32Array(runs.length);
    this.runSeq = new Float64Array(runs.length);
    this.runCount = new Float64Array(runs.length);
    const nextSeq = header.ranges.map((r) => r.from);
    let pos = entry.fromPosition;
    runs.forEach((r, i) => {
      this.runPos[i] = pos;
      this.runRange[i] = r.rangeIndex;
      this.runSeq[i] = nextSeq[r.rangeIndex] ?? 0;
      this.runCount[i] = r.count;
      nextSeq[r.rangeIndex] = (nextSeq[r.rangeIndex] ?? 0) + r.count;
      pos += r.count;
    });
    if (pos !== entry.toPosition + 1) throw corrupt(entry.name, `its index covers positions ${entry.fromPosition}..${pos - 1}, the manifest ${entry.fromPosition}..${entry.toPosition}`);
  }

  /** Opens a file of the manifest: reads its header and its index. Throws SMOL_COLD_FILE_CORRUPT naming the file. */
  static async open(store: ColdFileStore, entry: ColdFileEntry, index: Buffer | undefined, cache: FrameCache): Promise<ColdFile> {
    if (!index) throw corrupt(entry.name, 'its seek index is missing from the manifest');
    const { frames, runs } = decodeColdIndex(index, entry.name);
    const pre = await store.read(entry.name, 0, PREAMBLE_BYTES);
    let header: SegmentHeader;
    try {
      if (pre.length < PREAMBLE_BYTES) throw new Error('the file ends inside its preamble (truncated)');
      const length = checkPreamble(pre);
      const bytes = await store.read(entry.name, PREAMBLE_BYTES, length);
      if (bytes.length < length) throw new Error('the file ends inside its header (truncated)');
      header = decodeHeader(bytes);
    } catch (cause) {
      throw corrupt(entry.name, `its header does not read: ${(cause as Error).message}`, cause);
    }
    const same = header.ranges.length === entry.origins.length && header.ranges.every((r, i) => r.origin === entry.origins[i]!.origin && r.from === entry.origins[i]!.fromSeq && r.to === entry.origins[i]!.toSeq);
    if (!same) throw corrupt(entry.name, 'its header does not hold the ranges the manifest lists');
    return new ColdFile(entry, header, frames, runs, store, cache);
  }

  /** The range index of `origin` in this file, or -1. */
  rangeOf(origin: string): number {
    return this.header.ranges.findIndex((r) => r.origin === origin);
  }

  /** (rangeIndex, seq) of a position in this file. */
  locate(position: number): { rangeIndex: number; seq: number } {
    const i = this.runAt(position);
    return { rangeIndex: this.runRange[i]!, seq: this.runSeq[i]! + (position - this.runPos[i]!) };
  }

  /** The position of (rangeIndex, seq) (a walk over the runs: for single lookups). */
  positionOf(rangeIndex: number, seq: number): number {
    for (let i = 0; i < this.runPos.length; i++) {
      if (this.runRange[i] === rangeIndex && seq >= this.runSeq[i]! && seq < this.runSeq[i]! + this.runCount[i]!) return this.runPos[i]! + (seq - this.runSeq[i]!);
    }
    throw corrupt(this.entry.name, `its index does not place seq ${seq} of range ${rangeIndex}`);
  }

  /** The records of one range from `fromSeq` to `toSeq`, in seq order, with their positions when `withPositions`. */
  async *rangeRecords(rangeIndex: number, fromSeq: number, toSeq: number, withPositions = false): AsyncGenerator<ColdRecord & { position: number }> {
    const range = this.header.ranges[rangeIndex];
    if (!range) return;
    const from = Math.max(fromSeq, range.from);
    const to = Math.min(toSeq, range.to);
    if (from > to) return;
    // Positions of consecutive seqs of a range: walk its runs alongside.
    let run = withPositions ? this.firstRunOf(rangeIndex, from) : -1;
    for (let f = this.frameFor(rangeIndex, from); f < this.frames.length; f++) {
      const records = await this.frame(f);
      for (const r of records) {
        if (r.rangeIndex < rangeIndex || (r.rangeIndex === rangeIndex && r.seq < from)) continue;
        if (r.rangeIndex > rangeIndex || r.seq > to) return;
        let position = 0;
        if (withPositions) {
          while (this.runRange[run] !== rangeIndex || r.seq >= this.runSeq[run]! + this.runCount[run]!) run++;
          position = this.runPos[run]! + (r.seq - this.runSeq[run]!);
        }
        yield { ...r, position };
      }
    }
  }

  /**
   * The records of positions [from, to] of this file, in position order, in arrays of at most
   * `size` (one cursor per origin, kept across batches; no promise per record).
   */
  async *positionBatches(from: number, to: number, size = 1024): AsyncGenerator<Array<ColdRecord & { position: number }>> {
    const lo = Math.max(from, this.entry.fromPosition);
    const hi = Math.min(to, this.entry.toPosition);
    if (lo > hi) return;
    const cursors = new Map<number, RangeCursor>();
    let batch: Array<ColdRecord & { position: number }> = [];
    for (let i = this.runAt(lo); i < this.runPos.length && this.runPos[i]! <= hi; i++) {
      const start = Math.max(lo, this.runPos[i]!);
      const end = Math.min(hi, this.runPos[i]! + this.runCount[i]! - 1);
      const rangeIndex = this.runRange[i]!;
      let cursor = cursors.get(rangeIndex);
      if (!cursor) {
        const seq = this.runSeq[i]! + (start - this.runPos[i]!);
        cursor = new RangeCursor(rangeIndex, seq, this.frameFor(rangeIndex, seq));
        cursors.set(rangeIndex, cursor);
      }
      for (let p = start; p <= end; p++) {
        let r = cursor.take();
        while (!r) {
          if (cursor.frame >= this.frames.length) throw corrupt(this.entry.name, `it ends range ${rangeIndex} before position ${p}`);
          cursor.load(await this.frame(cursor.frame));
          r = cursor.take();
        }
        batch.push({ rangeIndex: r.rangeIndex, seq: r.seq, body: r.body, hash: r.hash, position: p });
        if (batch.length >= size) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length) yield batch;
  }

  /** The records of positions [from, to] of this file, in position order. */
  async *positions(from: number, to: number): AsyncGenerator<ColdRecord & { position: number }> {
    for await (const batch of this.positionBatches(from, to)) yield* batch;
  }

  private runAt(position: number): number {
    let lo = 0;
    let hi = this.runPos.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.runPos[mid]! <= position) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private firstRunOf(rangeIndex: number, seq: number): number {
    for (let i = 0; i < this.runPos.length; i++) if (this.runRange[i] === rangeIndex && seq < this.runSeq[i]! + this.runCount[i]!) return i;
    throw corrupt(this.entry.name, `its index does not place seq ${seq} of range ${rangeIndex}`);
  }

  /** The last frame starting at or before (rangeIndex, seq). */
  private frameFor(rangeIndex: number, seq: number): number {
    let lo = 0;
    let hi = this.frames.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const f = this.frames[mid]!;
      if (f.rangeIndex < rangeIndex || (f.rangeIndex === rangeIndex && f.firstSeq <= seq)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private frame(i: number): Promise<ColdRecord[]> {
    const ref = this.frames[i]!;
    return this.cache.get(`${this.entry.name}@${ref.offset}`, () => readColdFrame(this.store, this.frameFile, ref));
  }
}
