import { decodeBody, decodeBodyOfType, decodeBodyType, readVarint } from '../events/codec.js';
import type { JournalEntry, SmolEvent } from '../events/event.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { RawOriginEvent, ReadOptions } from './journal.js';
import type { JournalState } from './journal-state.js';
import { originSeqKey, positionKey, readPosition } from './keys.js';
import { indexedValues, logIterator, readOriginRawHot } from './hot-log-reads.js';
import type { RingItem } from './recent-ring.js';
import { makeFilter, passes, type EntryFilter } from './subscription.js';
import type { ColdEvent } from './cold/cold-reader.js';

/**
 * The journal's read paths: by position (replay, subscriptions' catch-up and the ring), by origin
 * (export, decoded or raw), and single events. Reads see durable state only. Positions up to the
 * cold boundary (state.cold, cold/) are read from cold files, the rest from LevelDB; a hot read
 * passes the cold tier's gate so a move never deletes entries under it.
 */
export class JournalReader {
  constructor(private readonly state: JournalState) {}

  async *read(options: ReadOptions = {}): AsyncIterable<JournalEntry> {
    const filter = makeFilter(options.types, options.origins);
    const limit = { remaining: options.limit ?? Infinity };
    const from = options.fromPosition ?? 1;
    const to = options.toPosition;
    const cold = this.state.cold;
    if (!cold) {
      yield* this.readHot(from, to, options.reverse ?? false, filter, limit);
      return;
    }
    if (options.reverse) {
      // The hot iterator first (its snapshot holds whatever a later move deletes), then cold below it.
      const boundary = cold.reader.coldTo;
      yield* this.readHot(Math.max(from, boundary + 1), to, true, filter, limit);
      for (let hi = Math.min(to ?? boundary, boundary); hi >= from && limit.remaining > 0; hi -= 2048) {
        const lo = Math.max(from, hi - 2047);
        const window: ColdEvent[] = [];
        for await (const e of cold.reader.positions(lo, hi)) window.push(e);
        for (let i = window.length - 1; i >= 0 && limit.remaining > 0; i--) {
          const entry = this.decodeCold(window[i]!, filter);
          if (!entry) continue;
          yield entry;
          limit.remaining--;
        }
      }
      return;
    }
    let next = from;
    // A move may push the boundary on while we read cold: read cold again until past it.
    while (limit.remaining > 0 && (to === undefined || next <= to) && next <= cold.reader.coldTo) {
      const hi = Math.min(to ?? Infinity, cold.reader.coldTo);
      for await (const batch of cold.reader.positionBatches(next, hi)) {
        for (const e of batch) {
          const entry = this.decodeCold(e, filter);
          if (!entry) continue;
          yield entry;
          if (--limit.remaining <= 0) return;
        }
      }
      next = hi + 1;
    }
    if (limit.remaining > 0) yield* this.readHot(next, to, false, filter, limit);
  }

  /** Log entries of [from, to] from LevelDB. */
  private async *readHot(from: number, to: number | undefined, reverse: boolean, filter: EntryFilter | undefined, limit: { remaining: number }): AsyncIterable<JournalEntry> {
    if (limit.remaining <= 0 || (to !== undefined && from > to)) return;
    const gate = this.state.cold?.gate;
    let epoch = gate?.enter();
    const it = logIterator(this.state, from, to, reverse);
    const keyOffset = this.state.layout.logPrefix.length;
    try {
      while (limit.remaining > 0) {
        const batch = await it.nextv(1000);
        // The iterator's snapshot is taken by now: a move may delete what it holds.
        if (epoch !== undefined) gate!.leave(epoch);
        epoch = undefined;
        if (batch.length === 0) break;
        for (const [key, value] of batch) {
          const entry = this.decodeFiltered(readPosition(key, keyOffset), value, filter);
          if (!entry) continue;
          yield entry;
          if (--limit.remaining <= 0) break;
        }
      }
    } finally {
      if (epoch !== undefined) gate!.leave(epoch);
      await it.close();
    }
  }

  /** The stored body of (origin, seq), or undefined. */
  async getBody(origin: string, seq: number): Promise<{ position: number; body: Buffer } | undefined> {
    const cold = this.state.cold;
    if (cold && seq <= cold.reader.coldSeqTo(origin)) return cold.reader.get(origin, seq);
    const hot = await this.hotRead(() => this.getHotBody(origin, seq));
    // Moved meanwhile (the gate only holds reads that started before the boundary moved).
    if (!hot && cold && seq <= cold.reader.coldSeqTo(origin)) return cold.reader.get(origin, seq);
    return hot;
  }

  private async getHotBody(origin: string, seq: number): Promise<{ position: number; body: Buffer } | undefined> {
    const index = this.state.origins.indexOf(origin);
    if (index === undefined) return undefined;
    const pos = await this.state.layout.idx.get(originSeqKey(index, seq));
    if (!pos) return undefined;
    const value = await this.state.layout.log.get(pos);
    if (!value) return undefined;
    const [, offset] = readVarint(value, 0);
    return { position: readPosition(pos), body: value.subarray(offset) };
  }

  async get(origin: string, seq: number): Promise<JournalEntry | undefined> {
    const found = await this.getBody(origin, seq);
    return found && { position: found.position, event: decodeBody(origin, found.body) };
  }

  async getAt(position: number): Promise<JournalEntry | undefined> {
    const cold = this.state.cold;
    const fromCold = async () => {
      const e = await cold!.reader.at(position);
      return e && this.decodeCold(e, undefined);
    };
    if (cold && position <= cold.reader.coldTo) return fromCold();
    const key = positionKey(position);
    const value = await this.hotRead(() => this.state.layout.log.get(key));
    if (!value && cold && position <= cold.reader.coldTo) return fromCold();
    return value && this.decodeFiltered(readPosition(key), value, undefined);
  }

  /** Runs a LevelDB read inside the cold tier's gate (when there is one). */
  private hotRead<T>(fn: () => Promise<T>): Promise<T> {
    const gate = this.state.cold?.gate;
    return gate ? gate.run(fn) : fn();
  }

  /** A cold event as an entry, or undefined when it does not pass the filter. */
  private decodeCold(e: ColdEvent, filter: EntryFilter | undefined): JournalEntry | undefined {
    if (filter?.origins && !filter.origins.has(e.origin)) return undefined;
    const event = decodeBodyOfType(e.origin, e.body, 0, filter?.types);
    return event && { position: e.position, event };
  }

  async *readOrigin(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<{ position: number; event: SmolEvent; body: Buffer }> {
    const to = toSeq ?? 2 ** 48 - 1;
    let next = Math.max(1, fromSeq);
    const cold = this.state.cold;
    while (cold && next <= to && next <= cold.reader.coldSeqTo(origin)) {
      const hi = Math.min(to, cold.reader.coldSeqTo(origin));
      for await (const e of cold.reader.origin(origin, next, hi, true)) yield { position: e.position, event: decodeBody(origin, e.body), body: e.body };
      next = hi + 1;
    }
    const index = this.state.origins.indexOf(origin);
    if (index === undefined || next > to) return;
    // Held through the hot part: its index and log reads are separate LevelDB calls.
    const epoch = this.state.cold?.gate.enter();
    try {
      for await (const { position, value, offset } of indexedValues(this.state.layout, index, next, to)) {
        yield { position, event: decodeBody(origin, value, offset), body: value.subarray(offset) };
      }
    } finally {
      if (epoch !== undefined) this.state.cold!.gate.leave(epoch);
    }
  }

  /**
   * An origin's events usually sit in runs of consecutive positions (an append or ingest batch
   * writes them so): those are read by scanning the log, values only, and picking the origin's
   * entries by their origin index, which costs no index lookups; sparse ones go through the index.
   * Throws SMOL_JOURNAL_CORRUPT when the stored feed is not contiguous.
   */
  async *readOriginRaw(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<RawOriginEvent> {
    const head = this.state.durableHeads.get(origin)?.seq ?? 0;
    const to = Math.min(toSeq ?? head, head);
    let from = Math.max(1, fromSeq);
    const cold = this.state.cold;
    while (cold && from <= to && from <= cold.reader.coldSeqTo(origin)) {
      const hi = Math.min(to, cold.reader.coldSeqTo(origin));
      let expect = from;
      for await (const e of cold.reader.origin(origin, from, hi, false)) {
        if (e.seq !== expect) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `cold history holds ${origin}:${e.seq} where ${origin}:${expect} was due`);
        expect++;
        yield { seq: e.seq, body: e.body };
      }
      from = hi + 1;
    }
    if (from > to) return;
    const epoch = cold?.gate.enter();
    try {
      yield* readOriginRawHot(this.state, origin, from, to);
    } finally {
      if (epoch !== undefined) cold!.gate.leave(epoch);
    }
  }

  /**
   * Reads [from, to] for a subscription: from the ring when it holds `from`, else from the log.
   * The result decodes the entries that pass the filter when called.
   */
  async readRange(from: number, to: number, filter: EntryFilter | undefined): Promise<() => JournalEntry[]> {
    const slice = this.state.ring.slice(from, to);
    if (slice) return () => this.fromRing(from, slice, filter);
    const cold = this.state.cold;
    if (cold && from <= cold.reader.coldTo) {
      const hi = Math.min(to, cold.reader.coldTo);
      const events: ColdEvent[] = [];
      for await (const batch of cold.reader.positionBatches(from, hi, to - from + 1)) events.push(...batch);
      const rest = hi < to ? await this.readRange(hi + 1, to, filter) : undefined;
      return () => {
        const out: JournalEntry[] = [];
        for (const e of events) {
          const entry = this.decodeCold(e, filter);
          if (entry) out.push(entry);
        }
        if (rest) out.push(...rest());
        return out;
      };
    }
    return cold ? cold.gate.run(() => this.readHotRange(from, to, filter)) : this.readHotRange(from, to, filter);
  }

  private async readHotRange(from: number, to: number, filter: EntryFilter | undefined): Promise<() => JournalEntry[]> {
    // Positions are dense (1, 2, 3 … never deleted), so the entries of [from, to] are exactly
    // to - from + 1 values in order: read values only, and skip a key Buffer per entry. A count
    // that does not match means a hole, and the range is read again by key.
    const values: Buffer[] = [];
    const it = logIterator(this.state, from, to, false, false);
    try {
      while (values.length < to - from + 1) {
        const batch = await it.nextv(to - from + 1 - values.length);
        if (batch.length === 0) break;
        for (const entry of batch) values.push(entry[1]);
      }
    } finally {
      await it.close();
    }
    if (values.length !== to - from + 1) {
      const entries = await this.readRangeByKey(from, to, filter);
      return () => entries;
    }
    return () => {
      const out: JournalEntry[] = [];
      for (let i = 0; i < values.length; i++) {
        const decoded = this.decodeFiltered(from + i, values[i]!, filter);
        if (decoded) out.push(decoded);
      }
      return out;
    };
  }

  /**
   * Decodes the log entry at `position`, or returns undefined when it does not pass
   * the filter; the type is read from the header first, the data is parsed only for entries that pass.
   */
  private decodeFiltered(position: number, value: Buffer, filter: EntryFilter | undefined): JournalEntry | undefined {
    let index: number;
    let offset: number;
    const first = value[0];
    if (first !== undefined && first < 0x80) {
      index = first; // almost every origin index fits one byte
      offset = 1;
    } else {
      [index, offset] = readVarint(value, 0);
    }
    const origin = this.state.origins.name(index);
    if (filter?.origins && !filter.origins.has(origin ?? '')) return undefined;
    if (origin === undefined) {
      // Still filtered by type first, as before: an unknown origin only matters for an entry we return.
      if (filter?.types && !filter.types.has(decodeBodyType(value, offset))) return undefined;
      throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `log entry names unknown origin #${index}`);
    }
    const event = decodeBodyOfType(origin, value, offset, filter?.types);
    return event && { position, event };
  }

  /** The entries of ring items from position `from` on, decoding stored values, and keeping what was decoded whole. */
  private fromRing(from: number, items: readonly RingItem[], filter: EntryFilter | undefined): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (!Buffer.isBuffer(item)) {
        if (passes(filter, item)) out.push(item);
        continue;
      }
      const entry = this.decodeFiltered(from + i, item, filter);
      if (!entry) continue;
      out.push(entry);
      this.state.ring.keepDecoded(from + i, item, entry);
    }
    return out;
  }

  private async readRangeByKey(from: number, to: number, filter: EntryFilter | undefined): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const it = logIterator(this.state, from, to, false);
    const keyOffset = this.state.layout.logPrefix.length;
    try {
      for (;;) {
        const batch = await it.nextv(1000);
        if (batch.length === 0) break;
        for (const [key, value] of batch) {
          const decoded = this.decodeFiltered(readPosition(key, keyOffset), value, filter);
          if (decoded) out.push(decoded);
        }
      }
    } finally {
      await it.close();
    }
    return out;
  }
}
