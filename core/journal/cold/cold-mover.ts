import { encodeHlc } from '../../clock/hlc.js';
import { hashBody, readVarint } from '../../events/codec.js';
import { SmolError, ErrorCodes } from '../../errors.js';
import { readSegment } from '../../sync/segment-reader.js';
import { writeSegment, type Signer } from '../../sync/segment-writer.js';
import type { SegmentHeader } from '../../sync/segment-format.js';
import type { JournalState } from '../journal-state.js';
import { positionKey, readPosition } from '../keys.js';
import { coldFileName, type ColdFileEntry, type ColdManifest } from './cold-manifest.js';
import { encodeColdIndex, pushRun, type ColdFrameRef, type ColdRun } from './cold-index.js';
import { corrupt } from './cold-frame.js';
import type { HotReadGate } from './hot-read-gate.js';

/** The steps of a move, in order; crash tests kill the process after each. */
export type MoveStep = 'temp-synced' | 'renamed' | 'read-back' | 'manifest-recorded' | 'hot-batch-deleted' | 'hot-deleted' | 'compacted';

export interface ColdMoveOptions {
  /** Events whose HLC wall is older than this (ms before now) leave the hot tier. */
  readonly hotMs: number;
  /** A file is cut once its oldest event is `hotMs + fileSpanMs` old (about a file per day), or at maxEvents. */
  readonly fileSpanMs: number;
  readonly maxEvents: number;
  readonly now: () => number;
  readonly cluster: string;
  /** This node (the cold files' exporter and signer) and its public key. */
  readonly exporter: string;
  readonly publicKey: string;
  readonly sign: Signer;
  /** Raw bytes per segment frame (the unit of a seek). */
  readonly frameBytes?: number;
  /** Hot entries deleted per batch. */
  readonly deleteBatch?: number;
  /** Awaited between batches (the unit passes a pause that keeps the move slow, and waits while paused). */
  readonly throttle?: () => Promise<void>;
  readonly onStep?: (step: MoveStep) => void | Promise<void>;
}

export interface MoveResult {
  readonly entry: ColdFileEntry;
}

interface Plan {
  readonly from: number;
  readonly to: number;
  readonly runs: ColdRun[];
  /** Per range: origin index, origin, seqs. */
  readonly ranges: Array<{ index: number; origin: string; from: number; to: number }>;
  readonly oldestWallMs: number;
  readonly newestWallMs: number;
}

/** The wall ms of a body's HLC: bytes after the codec and the seq varint. */
function bodyWall(value: Buffer, offset: number): number {
  const [, afterSeq] = readVarint(value, offset + 1);
  return value.readUIntBE(afterSeq, 6);
}

/**
 * Moves the oldest hot events into one cold file, when there are enough old ones; returns what it
 * wrote, or undefined. Order (each step durable before the next): the file under a temp name,
 * fsync, rename, fsync of the directory; read it back and check it against the hot events; the
 * manifest entry and seek index in one LevelDB batch; then the hot log and index entries, in
 * bounded batches, and a compaction of their key range. A crash anywhere leaves every event in the
 * hot tier or in a recorded cold file (usually both); `finishMoves` completes the deletes on open.
 */
export function moveOnce(state: JournalState, manifest: ColdManifest, gate: HotReadGate, options: ColdMoveOptions): Promise<MoveResult | undefined> {
  return manifest.exclusive(async () => {
    if (state.closed) return undefined;
    const plan = await planMove(state, manifest, options);
    if (!plan) return undefined;
    const entry = await writeColdFile(state, manifest, plan, options);
    await manifest.add(entry.entry, entry.index);
    await options.onStep?.('manifest-recorded');
    await deleteHot(state, gate, entry.entry, plan.runs, plan.ranges.map((r) => r.index), options);
    return { entry: entry.entry };
  });
}

async function planMove(state: JournalState, manifest: ColdManifest, options: ColdMoveOptions): Promise<Plan | undefined> {
  const cutoff = options.now() - options.hotMs;
  // The newest event always stays hot: the journal reads its last position from the log on open.
  const last = state.durablePosition - 1;
  const { logPrefix } = state.layout;
  // The first hot position: right after cold history, or later when retention dropped every cold
  // file and the positions before the hot log with them.
  const first = await firstHotPosition(state, manifest.coldTo + 1);
  if (first === undefined || first > last) return undefined;
  const to = Math.min(last, first + options.maxEvents - 1);
  const it = state.db.iterator({ gte: Buffer.concat([logPrefix, positionKey(first)]), lte: Buffer.concat([logPrefix, positionKey(to)]) } as never) as unknown as AsyncIterator<[Buffer, Buffer]> & { nextv(n: number): Promise<Array<[Buffer, Buffer]>>; close(): Promise<void> };
  const runs: ColdRun[] = [];
  const byIndex = new Map<number, { index: number; origin: string; from: number; to: number }>();
  const ranges: Plan['ranges'] = [];
  let expect = first;
  let oldest = Infinity;
  let newest = 0;
  let firstWall = Infinity;
  try {
    outer: for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      for (const [key, value] of batch) {
        const position = readPosition(key, logPrefix.length);
        // A hole ends the file: positions are dense, so this is never expected.
        if (position !== expect) break outer;
        const [index, offset] = readVarint(value, 0);
        const wall = bodyWall(value, offset);
        if (wall >= cutoff) break outer;
        if (position === first) firstWall = wall;
        const seq = readVarint(value, offset + 1)[0];
        let range = byIndex.get(index);
        if (!range) {
          const origin = state.origins.name(index);
          if (origin === undefined) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `log entry ${position} names unknown origin #${index}`);
          range = { index, origin, from: seq, to: seq - 1 };
          byIndex.set(index, range);
          ranges.push(range);
        }
        if (seq !== range.to + 1) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the log holds ${range.origin}:${seq} where ${range.to + 1} was due`);
        range.to = seq;
        pushRun(runs, ranges.indexOf(range));
        oldest = Math.min(oldest, wall);
        newest = Math.max(newest, wall);
        expect++;
      }
    }
  } finally {
    await it.close();
  }
  const count = expect - first;
  if (count === 0) return undefined;
  // Wait for about a file's span of old events, so files are few and their fixed costs small.
  if (count < options.maxEvents && firstWall > cutoff - options.fileSpanMs) return undefined;
  return { from: first, to: expect - 1, runs, ranges, oldestWallMs: oldest, newestWallMs: newest };
}

async function firstHotPosition(state: JournalState, from: number): Promise<number | undefined> {
  const { logPrefix, logEnd } = state.layout;
  for await (const key of state.db.keys({ gte: Buffer.concat([logPrefix, positionKey(from)]), lt: logEnd, limit: 1 } as never) as AsyncIterable<Buffer>) {
    return readPosition(key, logPrefix.length);
  }
  return undefined;
}

async function writeColdFile(state: JournalState, manifest: ColdManifest, plan: Plan, options: ColdMoveOptions): Promise<{ entry: ColdFileEntry; index: Buffer }> {
  const name = coldFileName(plan.from, plan.to);
  const own = state.durableHeads.get(options.exporter);
  const basis: Record<string, number> = {};
  for (const [o, h] of state.durableHeads) basis[o] = h.seq;
  const header: SegmentHeader = {
    format: 'smollama-segment',
    version: 1,
    cluster: options.cluster,
    exporter: options.exporter,
    publicKey: options.publicKey,
    created: own?.hlc ?? encodeHlc(0, 0),
    compression: 'brotli',
    ranges: plan.ranges.map((r) => ({ origin: r.origin, from: r.from, to: r.to })),
    count: plan.to - plan.from + 1,
    basis,
  };
  const lastBodies = new Map<number, Buffer>();
  const bodies = async function* (range: { origin: string }): AsyncIterable<Buffer> {
    const r = plan.ranges.find((x) => x.origin === range.origin)!;
    for await (const body of scanBodies(state, plan.from, plan.to, r.index, options.throttle)) {
      lastBodies.set(r.index, body);
      yield body;
    }
  };
  const chunkLengths: number[] = [];
  const stream = writeSegment(header, bodies, options.sign, options.frameBytes ? { frameBytes: options.frameBytes } : {});
  const counted = async function* () {
    for await (const c of stream) {
      chunkLengths.push(c.length);
      yield c;
    }
  };
  const bytes = await manifest.store.write(name, counted(), options.onStep);
  // Read the file back as any reader would (checksums, signature) and build its seek index from it.
  const frames: ColdFrameRef[] = [];
  let offset = chunkLengths[0] ?? 0;
  let prevHash: string | undefined;
  const lastHashes = new Map<number, string>();
  let sha256 = '';
  try {
    for await (const item of readSegment(manifest.store.stream(name))) {
      if (item.kind === 'frame') {
        const firstRecord = item.records[0]!;
        const firstOfRange = firstRecord.seq === header.ranges[firstRecord.rangeIndex]!.from;
        frames.push({ offset, rangeIndex: firstRecord.rangeIndex, firstSeq: firstRecord.seq, records: item.records.length, prev: firstOfRange ? undefined : prevHash });
        offset += chunkLengths[frames.length] ?? 0;
        const lastRecord = item.records[item.records.length - 1]!;
        prevHash = lastRecord.hash;
        for (const r of item.records) if (r.seq === header.ranges[r.rangeIndex]!.to) lastHashes.set(r.rangeIndex, r.hash);
      } else if (item.kind === 'end') {
        sha256 = item.digest.toString('hex');
      }
    }
    plan.ranges.forEach((r, i) => {
      const hot = lastBodies.get(r.index);
      if (!hot || lastHashes.get(i) !== hashBody(r.origin, hot)) throw new Error(`its events of ${r.origin} differ from the hot ones`);
    });
    if (frames.length !== chunkLengths.length - 2) throw new Error('its frames are not the ones written');
  } catch (cause) {
    // Never recorded: the hot events stay where they are, and the next move tries again.
    await manifest.store.remove(name);
    throw corrupt(name, `it did not read back as written: ${(cause as Error).message}`, cause);
  }
  await options.onStep?.('read-back');
  const entry: ColdFileEntry = {
    name,
    fromPosition: plan.from,
    toPosition: plan.to,
    origins: plan.ranges.map((r) => ({ origin: r.origin, fromSeq: r.from, toSeq: r.to })),
    events: plan.to - plan.from + 1,
    bytes,
    createdMs: options.now(),
    oldestWallMs: plan.oldestWallMs,
    newestWallMs: plan.newestWallMs,
    sha256,
  };
  return { entry, index: encodeColdIndex({ frames, runs: plan.runs }) };
}

/** Bodies of one origin index in log positions [from, to], in order (values only). */
async function* scanBodies(state: JournalState, from: number, to: number, index: number, throttle?: () => Promise<void>): AsyncIterable<Buffer> {
  const { logPrefix } = state.layout;
  const it = state.db.iterator({ keys: false, gte: Buffer.concat([logPrefix, positionKey(from)]), lte: Buffer.concat([logPrefix, positionKey(to)]) } as never) as unknown as { nextv(n: number): Promise<Array<[unknown, Buffer]>>; close(): Promise<void> };
  try {
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      for (const [, value] of batch) {
        const [at, offset] = readVarint(value, 0);
        if (at === index) yield value.subarray(offset);
      }
      await throttle?.();
    }
  } finally {
    await it.close();
  }
}

/**
 * Deletes the hot log and index entries of a recorded cold file, in bounded batches, then compacts
 * their key range so LevelDB returns the space. Idempotent (open runs it again after a crash).
 */
export async function deleteHot(
  state: JournalState,
  gate: HotReadGate,
  entry: ColdFileEntry,
  runs: readonly ColdRun[],
  originIndexes: readonly number[],
  options: Pick<ColdMoveOptions, 'deleteBatch' | 'throttle' | 'onStep'>,
): Promise<void> {
  await gate.quiesce();
  const batchSize = options.deleteBatch ?? 1000;
  const { layout } = state;
  const nextSeq = entry.origins.map((r) => r.fromSeq);
  let position = entry.fromPosition;
  let ops: Array<{ type: 'del'; key: Buffer }> = [];
  const flush = async () => {
    if (ops.length === 0) return;
    await state.db.batch(ops as never);
    ops = [];
    await options.onStep?.('hot-batch-deleted');
    await options.throttle?.();
  };
  for (const run of runs) {
    for (let k = 0; k < run.count; k++) {
      ops.push({ type: 'del', key: layout.logOp(position++, Buffer.alloc(0)).key });
      ops.push({ type: 'del', key: layout.indexOp(originIndexes[run.rangeIndex]!, nextSeq[run.rangeIndex]!++, 0).key });
      if (ops.length >= batchSize * 2) await flush();
    }
  }
  await flush();
  await options.onStep?.('hot-deleted');
  const db = state.db as unknown as { compactRange?: (a: Buffer, b: Buffer) => Promise<void> };
  if (typeof db.compactRange === 'function') {
    await db.compactRange(layout.logOp(entry.fromPosition, Buffer.alloc(0)).key, layout.logOp(entry.toPosition, Buffer.alloc(0)).key);
    for (let i = 0; i < entry.origins.length; i++) {
      const r = entry.origins[i]!;
      await db.compactRange(layout.indexOp(originIndexes[i]!, r.fromSeq, 0).key, layout.indexOp(originIndexes[i]!, r.toSeq, 0).key);
    }
  }
  await options.onStep?.('compacted');
}
