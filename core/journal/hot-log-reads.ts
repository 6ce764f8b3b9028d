import { decodeBodySeq, readVarint } from '../events/codec.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { RawOriginEvent } from './journal.js';
import type { JournalState, StoreLayout } from './journal-state.js';
import { originSeqKey, prefixedPositionKey, readPosition } from './keys.js';

/**
 * The journal's LevelDB (hot) read primitives that JournalReader builds on: the tuned log
 * iterator, an origin's events through its index, and an origin's raw bodies by scanning the log.
 * They read LevelDB only; JournalReader decides what is cold and holds the cold tier's gate.
 */

/** Bytes classic-level may gather per nextv call when reading the log (its default is 16 KB). */
export const READ_AHEAD_BYTES = 256 * 1024;
/**
 * The key encoding of an iterator that reads values only (keys: false). classic-level still hands
 * over every entry's key then, as an empty Buffer: one Buffer allocation per entry, about a third
 * of what a raw read costs the JavaScript thread. In the utf8 format it hands over '' instead.
 * Range bounds go through unchanged, as the Buffers they are: classic-level and memory-level read a
 * bound as a string or a Buffer whatever the key format. Decoded keys are never looked at.
 */
export const VALUES_ONLY_KEY_ENCODING = { name: 'smollama-values-only', format: 'utf8', encode: (key: Buffer): Buffer => key, decode: (key: string): string => key } as const;

/** Events of an origin are read by scanning the log when they lie within this many times their count of positions. */
const SCAN_SPREAD = 2;

/**
 * An iterator over log entries on the root database (keys keep the `log` prefix): abstract-level's
 * sublevel iterator re-slices every key, and a larger read-ahead than classic-level's 16 KB
 * default lets one native call return hundreds of entries instead of ~60.
 */
export function logIterator(state: JournalState, from: number, to: number | undefined, reverse: boolean, keys = true) {
  const { logPrefix, logEnd } = state.layout;
  const range: Record<string, unknown> = { reverse, keys, gte: prefixedPositionKey(logPrefix, from), highWaterMarkBytes: READ_AHEAD_BYTES };
  if (!keys) range.keyEncoding = VALUES_ONLY_KEY_ENCODING;
  if (to !== undefined) range.lte = prefixedPositionKey(logPrefix, to);
  else range.lt = logEnd;
  return state.db.iterator(range);
}

/** An origin's hot events [from, to] as raw bodies: a log scan where they sit close together, else through the index. Throws SMOL_JOURNAL_CORRUPT. */
export async function* readOriginRawHot(state: JournalState, origin: string, from: number, to: number): AsyncIterable<RawOriginEvent> {
  const index = state.origins.indexOf(origin);
  if (index === undefined || from > to) return;
  const [first, last] = await state.layout.idx.getMany([originSeqKey(index, from), originSeqKey(index, to)]);
  if (!first || !last) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the index lacks ${origin}:${first ? to : from}`);
  const p0 = readPosition(first);
  const p1 = readPosition(last);
  if (p1 - p0 + 1 <= (to - from + 1) * SCAN_SPREAD) {
    yield* scanOrigin(state, origin, index, p0, p1, from, to);
    return;
  }
  for await (const { value, offset } of indexedValues(state.layout, index, from, to)) {
    const body = value.subarray(offset);
    yield { seq: decodeBodySeq(body), body };
  }
}

async function* scanOrigin(state: JournalState, origin: string, index: number, p0: number, p1: number, from: number, to: number): AsyncIterable<RawOriginEvent> {
  const it = logIterator(state, p0, p1, false, false);
  let expect = from;
  try {
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      for (const [, value] of batch) {
        let offset = 1;
        let at = value[0];
        if (at === undefined || at >= 0x80) [at, offset] = readVarint(value, 0);
        if (at !== index) continue;
        const body = value.subarray(offset);
        const seq = decodeBodySeq(body);
        if (seq !== expect) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the log holds ${origin}:${seq} where ${origin}:${expect} was due`);
        expect++;
        yield { seq, body };
      }
    }
  } finally {
    await it.close();
  }
  if (expect !== to + 1) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the log ends ${origin}'s events at ${expect - 1}, its index at ${to}`);
}

/**
 * Log values of (origin index, seq) in [from, to] through the index (newest first with `reverse`),
 * with where their bodies start. Throws SMOL_JOURNAL_CORRUPT when the index names a missing position.
 */
export async function* indexedValues(layout: Pick<StoreLayout, 'idx' | 'log'>, index: number, from: number, to: number, reverse = false): AsyncIterable<{ position: number; value: Buffer; offset: number }> {
  const { idx, log } = layout;
  const it = idx.iterator({ gte: originSeqKey(index, from), lte: originSeqKey(index, to), reverse });
  try {
    for (;;) {
      const batch = await it.nextv(256);
      if (batch.length === 0) break;
      const values = await log.getMany(batch.map(([, pos]) => pos));
      for (let i = 0; i < batch.length; i++) {
        const value = values[i];
        const position = readPosition(batch[i]![1]);
        if (!value) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `index names missing log position ${position}`);
        const [, offset] = readVarint(value, 0);
        yield { position, value, offset };
      }
    }
  } finally {
    await it.close();
  }
}
