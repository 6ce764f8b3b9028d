import type { AbstractLevel } from 'abstract-level';
import type { HlcClock } from '../clock/hlc.js';
import { decodeBody, decodeBodyOfType, decodeBodySeq, decodeBodyType, encodeBodyAfter, hashBody, hashPrefix, hashPrefixed, putVarint, readVarint, varintLength } from '../events/codec.js';
import { GENESIS_PREV, eventId, type EventDraft, type JournalEntry, type SmolEvent } from '../events/event.js';
import { sealMessage, type EventDataMap, type EventType } from '../events/core-events.js';
import { signMessage, type NodeIdentity } from '../identity/node-identity.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { IngestResult, Journal, OriginHead, RawEvent, RawOriginEvent, ReadOptions, SubscribeOptions, Subscription, VersionVector } from './journal.js';
import { originSeqKey, positionKey, prefixedOriginSeqKey, prefixedPositionKey, readPosition } from './keys.js';
import { LevelProjectionStore } from './level-projection-store.js';
import { makeFilter, passes, startSubscription, type EntryFilter } from './subscription.js';
import { planIngest } from './ingest-plan.js';

type Db = AbstractLevel<any, Buffer, Buffer>;

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
/** A put against the root database, key already prefixed with its sublevel and value encoded. */
type Op = { readonly key: Buffer; readonly value: Buffer };

export interface LevelJournalOptions {
  readonly clock: HlcClock;
  readonly identity: NodeIdentity;
  /** Append a signed `feed.sealed` after this many unsealed local events (default 1000). */
  readonly sealEvery?: number;
  /** fsync every batch (default true). Only benchmarks of raw throughput turn this off. */
  readonly sync?: boolean;
  /** Recent entries kept in memory so live subscribers do not read back from disk. */
  readonly ringSize?: number;
}

/** Loaded from the meta sublevel when the journal opens. */
export interface JournalMeta {
  readonly origins: string[];
  readonly heads: Map<string, OriginHead>;
  readonly lastPosition: number;
  /** Own events since our last `feed.sealed` (see countUnsealed); 0 when absent. */
  readonly unsealed?: number;
}

/** Own events between automatic seals, unless the journal is opened with another sealEvery. */
export const DEFAULT_SEAL_EVERY = 1000;
/** How far back opening looks for our last seal: a longer unsealed tail counts as this many. */
export const UNSEALED_SCAN_LIMIT = 10_000;

/**
 * What the recent-entries ring holds per position: the decoded entry of a local append, or the
 * stored log value (`varint originIndex | body`) of an ingested event, decoded when a subscriber reads it.
 */
type RingItem = JournalEntry | Buffer;

interface PendingWrite {
  readonly ops: Op[];
  /** For the ring: one item per position, consecutive from `first`. */
  readonly items: readonly RingItem[];
  readonly first: number;
  readonly heads: Map<string, OriginHead>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Events of an origin are read by scanning the log when they lie within this many times their count of positions. */
const SCAN_SPREAD = 2;

/**
 * The journal over any abstract-level database: classic-level on disk, memory-level in tests.
 * One writer. Appends are stamped synchronously (seq, hlc, prev, position) and group-committed:
 * everything that queues while a batch is being written goes into the next batch, one fsync.
 */
export class LevelJournal implements Journal {
  readonly nodeId: string;
  readonly publicKey: string;
  private readonly log;
  private readonly idx;
  private readonly meta;
  private readonly clock: HlcClock;
  private readonly identity: NodeIdentity;
  private readonly sealEvery: number;
  private readonly sync: boolean;
  private readonly ringSize: number;
  // Sublevel prefixes: writes go to the root database pre-encoded, one chained batch per commit,
  // because abstract-level's per-operation sublevel handling cost more than LevelDB's write itself.
  private readonly logPrefix: Buffer;
  private readonly idxPrefix: Buffer;
  private readonly logEnd: Buffer;
  private readonly metaPrefix: string;
  private readonly ownHashPrefix: Buffer;

  // Durable state: what readers see.
  private durablePosition: number;
  private readonly durableHeads: Map<string, OriginHead>;
  // Tentative state: what the next stamp builds on (includes queued, unwritten events).
  private position: number;
  private heads_: Map<string, OriginHead>;
  private originsByIndex: string[];
  private originIndex: Map<string, number>;
  private unsealed = 0;

  private queue: PendingWrite[] = [];
  private writing: Promise<void> | undefined;
  private ingestChain: Promise<unknown> = Promise.resolve();
  private ring: RingItem[] = [];
  /** The position of ring[0]. */
  private ringStart = 0;
  private commitWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly db: Db, meta: JournalMeta, options: LevelJournalOptions) {
    this.identity = options.identity;
    this.nodeId = options.identity.nodeId;
    this.publicKey = options.identity.publicKey;
    this.clock = options.clock;
    this.sealEvery = options.sealEvery ?? DEFAULT_SEAL_EVERY;
    this.sync = options.sync ?? true;
    this.ringSize = options.ringSize ?? 4096;
    this.log = db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    this.idx = db.sublevel<Buffer, Buffer>('idx', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    this.meta = db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
    this.logPrefix = Buffer.from(this.log.prefix, 'utf8');
    this.idxPrefix = Buffer.from(this.idx.prefix, 'utf8');
    this.logEnd = Buffer.from(this.logPrefix);
    this.logEnd[this.logEnd.length - 1]! += 1; // '!log!' → '!log"': just past every log key
    this.metaPrefix = this.meta.prefix;
    this.ownHashPrefix = hashPrefix(this.nodeId);
    this.originsByIndex = [...meta.origins];
    this.originIndex = new Map(meta.origins.map((o, i) => [o, i]));
    this.durableHeads = new Map(meta.heads);
    this.heads_ = new Map(meta.heads);
    this.durablePosition = this.position = meta.lastPosition;
    this.unsealed = meta.unsealed ?? 0;
    const own = meta.heads.get(this.nodeId);
    if (own) this.clock.raiseTo(own.hlc);
  }

  /** Reads origins, heads and the last position from an opened database. */
  static async readMeta(db: Db): Promise<JournalMeta> {
    const meta = db.sublevel<string, any>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
    const origins: string[] = [];
    for await (const [key, value] of meta.iterator({ gte: 'origin!', lt: 'origin"' })) origins[value as number] = key.slice(7);
    const heads = new Map<string, OriginHead>();
    for await (const [key, value] of meta.iterator({ gte: 'head!', lt: 'head"' })) heads.set(key.slice(5), value as OriginHead);
    const log = db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    let lastPosition = 0;
    for await (const key of log.keys({ reverse: true, limit: 1 })) lastPosition = readPosition(key);
    return { origins, heads, lastPosition };
  }

  /**
   * Own events after our newest `feed.sealed`, walking back from our head through at most `limit`
   * events (a longer tail counts as `limit`). Without it a reopened journal would think everything
   * sealed, and `seal()` after a crash would do nothing until a new event was written.
   */
  static async countUnsealed(db: Db, meta: JournalMeta, origin: string, limit: number): Promise<number> {
    const head = meta.heads.get(origin);
    const index = meta.origins.indexOf(origin);
    if (!head || index < 0 || limit <= 0) return 0;
    const idx = db.sublevel<Buffer, Buffer>('idx', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const log = db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    const from = Math.max(1, head.seq - limit + 1);
    const it = idx.iterator({ gte: originSeqKey(index, from), lte: originSeqKey(index, head.seq), reverse: true });
    let count = 0;
    try {
      for (;;) {
        const batch = await it.nextv(256);
        if (batch.length === 0) break;
        const values = await log.getMany(batch.map(([, pos]) => pos));
        for (let i = 0; i < batch.length; i++) {
          const value = values[i];
          if (!value) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `index names missing log position ${readPosition(batch[i]![1])}`);
          const [, offset] = readVarint(value, 0);
          if (decodeBodyType(value, offset) === 'feed.sealed') return count;
          count++;
        }
      }
    } finally {
      await it.close();
    }
    return count;
  }

  // ---- writing -------------------------------------------------------------------------------

  append(drafts: readonly EventDraft[]): Promise<JournalEntry[]> {
    if (this.closed) return Promise.reject(new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed'));
    const ops: Op[] = [];
    const entries: JournalEntry[] = [];
    const heads = new Map<string, OriginHead>();
    for (const draft of drafts) {
      entries.push(this.stampLocal(draft.type, draft.v ?? 1, JSON.stringify(draft.data), draft.data, ops, heads));
    }
    if (this.unsealed >= this.sealEvery) entries.push(this.stampSeal(ops, heads));
    return this.enqueue(ops, entries, heads).then(() => entries);
  }

  async appendOne<T extends EventType>(type: T, data: EventDataMap[T]): Promise<JournalEntry<SmolEvent<T, EventDataMap[T]>>> {
    const [entry] = await this.append([{ type, data }]);
    return entry as JournalEntry<SmolEvent<T, EventDataMap[T]>>;
  }

  async seal(): Promise<JournalEntry | undefined> {
    if (this.closed) throw new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed');
    if (this.unsealed === 0) return undefined;
    const ops: Op[] = [];
    const heads = new Map<string, OriginHead>();
    const entry = this.stampSeal(ops, heads);
    await this.enqueue(ops, [entry], heads);
    return entry;
  }

  ingest(events: readonly RawEvent[]): Promise<IngestResult> {
    // Serialised: each plan reads the heads the previous one left.
    const run = this.ingestChain.then(() => this.ingestNow(events));
    this.ingestChain = run.catch(() => undefined);
    return run;
  }

  private async ingestNow(events: readonly RawEvent[]): Promise<IngestResult> {
    if (this.closed) throw new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed');
    const plan = await planIngest(events, {
      ownOrigin: this.nodeId,
      head: (origin) => this.heads_.get(origin),
      storedHash: async (origin, seq) => {
        const entry = await this.getBody(origin, seq);
        return entry && hashBody(origin, entry.body);
      },
    });
    if (plan.accepted.length === 0) return { applied: 0, duplicates: plan.duplicates };
    const ops: Op[] = [];
    // Not decoded here: live subscribers decode what they read (and the ring keeps what they did).
    const values: Buffer[] = [];
    const heads = new Map<string, OriginHead>();
    for (const item of plan.accepted) {
      const position = ++this.position;
      const op = this.logOp(position, item.origin, item.body);
      ops.push(op);
      values.push(op.value);
      ops.push(this.indexOp(item.origin, item.seq, position));
      const head = { seq: item.seq, hash: item.hash, hlc: item.hlc };
      this.heads_.set(item.origin, head);
      heads.set(item.origin, head);
    }
    // An origin's timestamps rise along its chain: its newest one here is the one to observe.
    for (const head of heads.values()) this.clock.observe(head.hlc);
    await this.enqueue(ops, values, heads);
    return { applied: values.length, duplicates: plan.duplicates };
  }

  private stampLocal(type: string, v: number, dataJson: string, data: unknown, ops: Op[], heads: Map<string, OriginHead>): JournalEntry {
    const origin = this.nodeId;
    const head = this.heads_.get(origin);
    const seq = (head?.seq ?? 0) + 1;
    const prev = head?.hash ?? GENESIS_PREV;
    const hlc = this.clock.tick();
    // One buffer, no copies: `origin | 0x00 | body` is hashed, then the origin's varint index is
    // written over the end of that prefix and `varint originIndex | body` is the stored value.
    const index = this.originIndexFor(origin);
    const prefix = this.ownHashPrefix;
    const headroom = Math.max(prefix.length, varintLength(index));
    const buf = encodeBodyAfter(headroom, seq, hlc, type, v, prev, dataJson);
    buf.set(prefix, headroom - prefix.length);
    const hash = hashPrefixed(buf.subarray(headroom - prefix.length));
    const valueStart = headroom - varintLength(index);
    putVarint(buf, valueStart, index);
    const value = buf.subarray(valueStart);
    const position = ++this.position;
    ops.push({ key: prefixedPositionKey(this.logPrefix, position), value });
    ops.push(this.indexOp(origin, seq, position));
    const next = { seq, hash, hlc };
    this.heads_.set(origin, next);
    heads.set(origin, next);
    this.unsealed = type === 'feed.sealed' ? 0 : this.unsealed + 1;
    return { position, event: { id: eventId(origin, seq), origin, seq, hlc, type, v, data, prev } };
  }

  private stampSeal(ops: Op[], heads: Map<string, OriginHead>): JournalEntry {
    const head = this.heads_.get(this.nodeId)!;
    const data: EventDataMap['feed.sealed'] = {
      seq: head.seq,
      hash: head.hash,
      publicKey: this.publicKey,
      signature: signMessage(this.identity, sealMessage(this.nodeId, head.seq, head.hash)),
    };
    return this.stampLocal('feed.sealed', 1, JSON.stringify(data), data, ops, heads);
  }

  private logOp(position: number, origin: string, body: Buffer): Op {
    const index = this.originIndexFor(origin);
    const headroom = varintLength(index);
    const value = Buffer.allocUnsafe(headroom + body.length);
    putVarint(value, 0, index);
    body.copy(value, headroom);
    return { key: prefixedPositionKey(this.logPrefix, position), value };
  }

  /** The small number the log stores instead of the origin's id; a new origin gets the next one. */
  private originIndexFor(origin: string): number {
    let index = this.originIndex.get(origin);
    if (index === undefined) {
      index = this.originsByIndex.length;
      this.originsByIndex.push(origin);
      this.originIndex.set(origin, index);
      // Written with the first event of the origin, so a crash never leaves an unnamed index.
      this.pendingOriginOps.push(this.metaOp(`origin!${origin}`, index));
    }
    return index;
  }

  /** A meta entry as the `meta` sublevel (utf8 keys, JSON values) would have written it. */
  private metaOp(key: string, value: unknown): Op {
    return { key: Buffer.from(this.metaPrefix + key, 'utf8'), value: Buffer.from(JSON.stringify(value), 'utf8') };
  }
  private pendingOriginOps: Op[] = [];

  private indexOp(origin: string, seq: number, position: number): Op {
    return { key: prefixedOriginSeqKey(this.idxPrefix, this.originIndex.get(origin)!, seq), value: positionKey(position) };
  }

  /** Queues a write whose `items` were stamped at the positions just before this.position + 1. */
  private enqueue(ops: Op[], items: readonly RingItem[], heads: Map<string, OriginHead>): Promise<void> {
    if (this.pendingOriginOps.length) {
      ops.push(...this.pendingOriginOps);
      this.pendingOriginOps = [];
    }
    const first = this.position - items.length + 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, items, first, heads, resolve, reject });
      this.writing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const writes = this.queue;
      this.queue = [];
      const heads = new Map<string, OriginHead>();
      for (const w of writes) {
        for (const [o, h] of w.heads) heads.set(o, h);
      }
      const batch = this.db.batch();
      try {
        for (const w of writes) {
          for (const op of w.ops) batch.put(op.key, op.value);
        }
        for (const [o, h] of heads) {
          const op = this.metaOp(`head!${o}`, h);
          batch.put(op.key, op.value);
        }
        await batch.write({ sync: this.sync } as never);
      } catch (cause) {
        await batch.close().catch(() => undefined); // idempotent; write() closes it too
        this.failWrites(writes, cause);
        continue;
      }
      for (const [o, h] of heads) this.durableHeads.set(o, h);
      // Positions are stamped in queue order: the writes are consecutive, and follow the ring.
      for (const w of writes) {
        if (w.items.length === 0) continue;
        if (this.ring.length === 0) this.ringStart = w.first;
        for (const item of w.items) this.ring.push(item);
      }
      if (this.ring.length > 0) this.durablePosition = this.ringStart + this.ring.length - 1;
      if (this.ring.length > this.ringSize * 2) {
        this.ring = this.ring.slice(-this.ringSize);
        this.ringStart = this.durablePosition - this.ring.length + 1;
      }
      for (const w of writes) w.resolve();
      const waiters = this.commitWaiters;
      this.commitWaiters = [];
      for (const wake of waiters) wake();
    }
    this.writing = undefined;
  }

  /** A failed batch fails everything stamped on top of it, and the tentative state rolls back. */
  private failWrites(writes: PendingWrite[], cause: unknown): void {
    const err = new SmolError(ErrorCodes.JOURNAL_WRITE_FAILED, `journal write failed: ${(cause as Error)?.message ?? cause}`, { cause });
    const queued = this.queue;
    this.queue = [];
    for (const w of [...writes, ...queued]) w.reject(err);
    this.heads_ = new Map(this.durableHeads);
    this.position = this.durablePosition;
    this.pendingOriginOps = [];
    // Origin indexes handed out in the failed batch are forgotten; they are reassigned on retry.
    void this.reloadOrigins();
  }

  private async reloadOrigins(): Promise<void> {
    const { origins } = await LevelJournal.readMeta(this.db);
    this.originsByIndex = origins;
    this.originIndex = new Map(origins.map((o, i) => [o, i]));
  }

  // ---- reading -------------------------------------------------------------------------------

  lastPosition(): number {
    return this.durablePosition;
  }

  heads(): ReadonlyMap<string, OriginHead> {
    return this.durableHeads;
  }

  vector(): VersionVector {
    const v: VersionVector = {};
    for (const [o, h] of this.durableHeads) v[o] = h.seq;
    return v;
  }

  private decodeEntry(key: Buffer, value: Buffer): JournalEntry {
    return this.decodeFiltered(readPosition(key), value, undefined)!;
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
    const origin = this.originsByIndex[index];
    if (filter?.origins && !filter.origins.has(origin ?? '')) return undefined;
    if (origin === undefined) {
      // Still filtered by type first, as before: an unknown origin only matters for an entry we return.
      if (filter?.types && !filter.types.has(decodeBodyType(value, offset))) return undefined;
      throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `log entry names unknown origin #${index}`);
    }
    const event = decodeBodyOfType(origin, value, offset, filter?.types);
    return event && { position, event };
  }

  /**
   * An iterator over log entries on the root database (keys keep the `log` prefix): abstract-level's
   * sublevel iterator re-slices every key, and a larger read-ahead than classic-level's 16 KB
   * default lets one native call return hundreds of entries instead of ~60.
   */
  private logIterator(from: number, to: number | undefined, reverse: boolean, keys = true) {
    const range: Record<string, unknown> = { reverse, keys, gte: prefixedPositionKey(this.logPrefix, from), highWaterMarkBytes: READ_AHEAD_BYTES };
    if (!keys) range.keyEncoding = VALUES_ONLY_KEY_ENCODING;
    if (to !== undefined) range.lte = prefixedPositionKey(this.logPrefix, to);
    else range.lt = this.logEnd;
    return this.db.iterator(range);
  }

  async *read(options: ReadOptions = {}): AsyncIterable<JournalEntry> {
    const filter = makeFilter(options.types, options.origins);
    let remaining = options.limit ?? Infinity;
    const it = this.logIterator(options.fromPosition ?? 1, options.toPosition, options.reverse ?? false);
    const keyOffset = this.logPrefix.length;
    try {
      while (remaining > 0) {
        const batch = await it.nextv(1000);
        if (batch.length === 0) break;
        for (const [key, value] of batch) {
          const entry = this.decodeFiltered(readPosition(key, keyOffset), value, filter);
          if (!entry) continue;
          yield entry;
          if (--remaining <= 0) break;
        }
      }
    } finally {
      await it.close();
    }
  }

  /** The stored body of (origin, seq), or undefined. */
  async getBody(origin: string, seq: number): Promise<{ position: number; body: Buffer } | undefined> {
    const index = this.originIndex.get(origin);
    if (index === undefined) return undefined;
    const pos = await this.idx.get(originSeqKey(index, seq));
    if (!pos) return undefined;
    const value = await this.log.get(pos);
    if (!value) return undefined;
    const [, offset] = readVarint(value, 0);
    return { position: readPosition(pos), body: value.subarray(offset) };
  }

  async *readOrigin(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<{ position: number; event: SmolEvent; body: Buffer }> {
    const index = this.originIndex.get(origin);
    if (index === undefined) return;
    for await (const { position, value, offset } of this.indexed(index, fromSeq, toSeq ?? 2 ** 48 - 1)) {
      yield { position, event: decodeBody(origin, value, offset), body: value.subarray(offset) };
    }
  }

  /**
   * An origin's events usually sit in runs of consecutive positions (an append or ingest batch
   * writes them so): those are read by scanning the log, values only, and picking the origin's
   * entries by their origin index, which costs no index lookups; sparse ones go through the index.
   */
  async *readOriginRaw(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<RawOriginEvent> {
    const index = this.originIndex.get(origin);
    const head = this.durableHeads.get(origin)?.seq ?? 0;
    const from = Math.max(1, fromSeq);
    const to = Math.min(toSeq ?? head, head);
    if (index === undefined || from > to) return;
    const [first, last] = await this.idx.getMany([originSeqKey(index, from), originSeqKey(index, to)]);
    if (!first || !last) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the index lacks ${origin}:${first ? to : from}`);
    const p0 = readPosition(first);
    const p1 = readPosition(last);
    if (p1 - p0 + 1 <= (to - from + 1) * SCAN_SPREAD) {
      yield* this.scanOrigin(origin, index, p0, p1, from, to);
      return;
    }
    for await (const { value, offset } of this.indexed(index, from, to)) {
      const body = value.subarray(offset);
      yield { seq: decodeBodySeq(body), body };
    }
  }

  private async *scanOrigin(origin: string, index: number, p0: number, p1: number, from: number, to: number): AsyncIterable<RawOriginEvent> {
    const it = this.logIterator(p0, p1, false, false);
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

  /** Log values of (origin index, seq) in [from, to] through the index, with where their bodies start. */
  private async *indexed(index: number, from: number, to: number): AsyncIterable<{ position: number; value: Buffer; offset: number }> {
    const it = this.idx.iterator({ gte: originSeqKey(index, from), lte: originSeqKey(index, to) });
    try {
      for (;;) {
        const batch = await it.nextv(256);
        if (batch.length === 0) break;
        const values = await this.log.getMany(batch.map(([, pos]) => pos));
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

  async get(origin: string, seq: number): Promise<JournalEntry | undefined> {
    const found = await this.getBody(origin, seq);
    return found && { position: found.position, event: decodeBody(origin, found.body) };
  }

  async getAt(position: number): Promise<JournalEntry | undefined> {
    const value = await this.log.get(positionKey(position));
    return value && this.decodeEntry(positionKey(position), value);
  }

  subscribe(options: SubscribeOptions, onBatch: (entries: JournalEntry[], scannedTo: number) => void | Promise<void>): Subscription {
    const self = this;
    return startSubscription(
      {
        lastPosition: () => this.durablePosition,
        readRange: (from, to, filter) => this.readRange(from, to, filter),
        nextCommit: () => new Promise<void>((resolve) => this.commitWaiters.push(resolve)),
        get isClosed() {
          return self.closed;
        },
      },
      options,
      onBatch,
    );
  }

  private async readRange(from: number, to: number, filter: EntryFilter | undefined): Promise<() => JournalEntry[]> {
    if (this.ring.length > 0 && from >= this.ringStart) {
      const slice = this.ring.slice(from - this.ringStart, to - this.ringStart + 1);
      return () => this.fromRing(from, slice, filter);
    }
    // Positions are dense (1, 2, 3 … never deleted), so the entries of [from, to] are exactly
    // to - from + 1 values in order: read values only, and skip a key Buffer per entry. A count
    // that does not match means a hole, and the range is read again by key.
    const values: Buffer[] = [];
    const it = this.logIterator(from, to, false, false);
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
      const at = from + i - this.ringStart;
      if (this.ring[at] === item) this.ring[at] = entry; // the next subscriber need not decode it again
    }
    return out;
  }

  private async readRangeByKey(from: number, to: number, filter: EntryFilter | undefined): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    const it = this.logIterator(from, to, false);
    const keyOffset = this.logPrefix.length;
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

  projectionStore(name: string): LevelProjectionStore {
    return new LevelProjectionStore(this.db, this.db.sublevel<string, unknown>(['proj', name], { keyEncoding: 'utf8', valueEncoding: 'json' }));
  }

  /** Waits for queued writes, wakes subscribers, closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.ingestChain;
    while (this.writing) await this.writing;
    this.closed = true;
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const wake of waiters) wake();
    await this.db.close();
  }

  /** For journal-tools: the underlying database. */
  get database(): Db {
    return this.db;
  }
}
