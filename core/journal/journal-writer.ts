import type { EventRegistry } from '../events/registry.js';
import type { HlcClock } from '../clock/hlc.js';
import { encodeBodyAfter, hashPrefix, hashPrefixed, putVarint, varintLength } from '../events/codec.js';
import { GENESIS_PREV, eventId, type EventDraft, type JournalEntry } from '../events/event.js';
import { sealMessage, type EventDataMap } from '../events/core-events.js';
import { signMessage, type NodeIdentity } from '../identity/node-identity.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { OriginHead } from './journal.js';
import { readJournalMeta } from './journal-meta.js';
import type { JournalState, Op } from './journal-state.js';
import type { RingItem } from './recent-ring.js';
import { WriteGuard } from './write-guard.js';

export interface JournalWriterOptions {
  readonly clock: HlcClock;
  readonly identity: NodeIdentity;
  readonly sealEvery: number;
  readonly sync: boolean;
  /** Own events since our last seal, as counted when the journal opened. */
  readonly unsealed: number;
  /**
   * Readings-only appends wait up to this long (ms) to share one synced batch (0: every append
   * is its own batch, as before). Anything else that is appended meanwhile takes them along.
   */
  readonly readingsCommitMs?: number;
  /** One-shot timers for the readings window (tests pass manual ones). */
  readonly timeouts?: Timeouts;
  /**
   * Checks every local draft against its schema before anything is stamped (the node passes the
   * default registry): peers validate at sync and refuse a whole segment over one bad event, so
   * a bad local event would stop this feed syncing for good.
   */
  readonly registry?: EventRegistry;
}

/** One-shot timers, injected so a test can drive the readings window. */
export interface Timeouts {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimeouts: Timeouts = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What the writer has written since the journal opened (the benchmark counts fsyncs with it). */
export interface WriteStats {
  /** Batches written to LevelDB. */
  readonly batches: number;
  /** Of those, written with sync (one fsync of LevelDB's log each). */
  readonly syncs: number;
  /** Events (log entries) written. */
  readonly events: number;
}

/** The only type a readings window may hold back: sensor samples, which the next tick replaces. */
export const HELD_TYPE = 'reading.sampled';

interface PendingWrite {
  readonly ops: Op[];
  /** For the ring: one item per position, consecutive from `first`. */
  readonly items: readonly RingItem[];
  readonly first: number;
  readonly heads: Map<string, OriginHead>;
  /** Readings only: may wait for the window. */
  readonly hold: boolean;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The one writer. Local appends are stamped synchronously (seq, hlc, prev, position) onto the
 * tentative state and group-committed: everything that queues while a batch is being written goes
 * into the next batch, one fsync. After each commit the durable state, the ring and waiting
 * subscribers move on.
 *
 * Readings window (`readingsCommitMs`): an append of readings only is stamped at once but stays in
 * the queue, unwritten, until the window that its first held reading opened ends, or until
 * anything else (an observation, a seal, an ingest, close) is queued: then everything queued goes
 * in that one synced batch, in stamped order. Held events are not written at all, rather than
 * written unsynced and synced later: readers, subscriptions and the ring only ever see the durable
 * state, so nothing can read a held reading, and a failed batch leaves nothing of it in LevelDB
 * to roll back. A power cut loses at most the window's readings; none of them was acknowledged.
 */
export class JournalWriter {
  private readonly nodeId: string;
  private readonly clock: HlcClock;
  private readonly identity: NodeIdentity;
  private readonly sealEvery: number;
  private readonly sync: boolean;
  private readonly ownHashPrefix: Buffer;
  private unsealed: number;
  private queue: PendingWrite[] = [];
  private writing: Promise<void> | undefined;
  private commitWaiters: Array<() => void> = [];
  private readonly readingsCommitMs: number;
  private readonly registry: EventRegistry | undefined;
  private readonly timeouts: Timeouts;
  /** The readings window's timer, while held readings wait. */
  private windowTimer: unknown;
  /** Something queued may not wait: the flush loop writes everything queued. */
  private flushDue = false;
  private stats = { batches: 0, syncs: 0, events: 0 };
  /** Refuses writes after a failed batch until LevelDB is repaired, and below the low-space watermark. */
  readonly guard: WriteGuard;

  constructor(
    private readonly state: JournalState,
    options: JournalWriterOptions,
  ) {
    this.identity = options.identity;
    this.nodeId = options.identity.nodeId;
    this.clock = options.clock;
    this.sealEvery = options.sealEvery;
    this.sync = options.sync;
    this.unsealed = options.unsealed;
    this.readingsCommitMs = options.readingsCommitMs ?? 0;
    this.registry = options.registry;
    this.timeouts = options.timeouts ?? realTimeouts;
    this.ownHashPrefix = hashPrefix(this.nodeId);
    this.guard = new WriteGuard(state);
    const own = state.heads.get(this.nodeId);
    if (own) this.clock.raiseTo(own.hlc);
  }

  /** Throws SMOL_JOURNAL_CLOSED, SMOL_JOURNAL_WRITE_FAILED, SMOL_DISK_FULL, SMOL_DISK_LOW, SMOL_EVENT_INVALID (nothing written). */
  append(drafts: readonly EventDraft[]): Promise<JournalEntry[]> {
    if (this.state.closed) return Promise.reject(new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed'));
    if (this.registry) {
      try {
        for (const d of drafts) this.registry.validate(d.type, d.v ?? 1, d.data);
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const refused = this.guard.refusal(drafts.map((d) => d.type));
    if (refused) return Promise.reject(refused);
    const ops: Op[] = [];
    const entries: JournalEntry[] = [];
    const heads = new Map<string, OriginHead>();
    for (const draft of drafts) {
      entries.push(this.stampLocal(draft.type, draft.v ?? 1, JSON.stringify(draft.data), draft.data, ops, heads));
    }
    const hold = drafts.length > 0 && drafts.every((d) => d.type === HELD_TYPE) && this.unsealed < this.sealEvery;
    if (this.unsealed >= this.sealEvery) entries.push(this.stampSeal(ops, heads));
    return this.enqueue(ops, entries, heads, hold).then(() => entries);
  }

  /** Throws SMOL_JOURNAL_CLOSED, SMOL_JOURNAL_WRITE_FAILED. */
  async seal(): Promise<JournalEntry | undefined> {
    if (this.state.closed) throw new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the journal is closed');
    if (this.unsealed === 0) return undefined;
    const refused = this.guard.refusal(['feed.sealed']);
    if (refused) throw refused;
    const ops: Op[] = [];
    const heads = new Map<string, OriginHead>();
    const entry = this.stampSeal(ops, heads);
    await this.enqueue(ops, [entry], heads);
    return entry;
  }

  /**
   * Queues a write whose `items` were stamped at the positions just before state.position + 1;
   * resolves when it is durable. `hold`: readings only, which may wait for the readings window.
   * Throws SMOL_JOURNAL_WRITE_FAILED.
   */
  enqueue(ops: Op[], items: readonly RingItem[], heads: Map<string, OriginHead>, hold = false): Promise<void> {
    // Stamped while a fault began (ingest plans asynchronously): never written into a broken log.
    const refused = this.state.fault ? this.guard.refusal('foreign') : undefined;
    if (refused) {
      this.rollBack();
      return Promise.reject(refused);
    }
    this.state.origins.flushPending(ops);
    const first = this.state.position - items.length + 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, items, first, heads, hold, resolve, reject });
      if (hold && this.readingsCommitMs > 0) this.openWindow();
      else this.flush();
    });
  }

  /**
   * Writes everything queued now, held readings included (close, `journal.flush()`); resolves
   * when that write, and any after it, has ended (failed writes reject their own appends).
   */
  flush(): Promise<void> {
    this.closeWindow();
    // Never started on an empty queue: the loop would end before `??=` stores it, and `busy` would
    // then hold a settled promise for ever.
    if (this.queue.length > 0) {
      this.flushDue = true;
      this.writing ??= this.flushLoop();
    }
    return this.writing ?? Promise.resolve();
  }

  /** The readings window (ms; 0: none). */
  get readingsWindowMs(): number {
    return this.readingsCommitMs;
  }

  /** Batches, synced batches and events written since the journal opened. */
  writeStats(): WriteStats {
    return { ...this.stats };
  }

  /** Starts the readings window at the first held reading; later ones share it. */
  private openWindow(): void {
    if (this.windowTimer !== undefined) return;
    this.windowTimer = this.timeouts.setTimeout(() => {
      this.windowTimer = undefined;
      if (!this.state.closed) void this.flush();
    }, this.readingsCommitMs);
  }

  private closeWindow(): void {
    if (this.windowTimer === undefined) return;
    this.timeouts.clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
  }

  /** Resolves at the next durable commit, or when the journal closes. */
  nextCommit(): Promise<void> {
    return new Promise<void>((resolve) => this.commitWaiters.push(resolve));
  }

  /** The flush loop while it runs: awaited in a loop until undefined, nothing is being written (held readings may wait: `flush` them first). */
  get busy(): Promise<void> | undefined {
    return this.writing;
  }

  /** True while appends wait in the queue (held readings, or the next batch). */
  get queued(): boolean {
    return this.queue.length > 0;
  }

  /** Wakes everything waiting for a commit (the journal is closing). */
  wakeAll(): void {
    const waiters = this.commitWaiters;
    this.commitWaiters = [];
    for (const wake of waiters) wake();
  }

  private stampLocal(type: string, v: number, dataJson: string, data: unknown, ops: Op[], heads: Map<string, OriginHead>): JournalEntry {
    const state = this.state;
    const origin = this.nodeId;
    const head = state.heads.get(origin);
    const seq = (head?.seq ?? 0) + 1;
    const prev = head?.hash ?? GENESIS_PREV;
    const hlc = this.clock.tick();
    // One buffer, no copies: `origin | 0x00 | body` is hashed, then the origin's varint index is
    // written over the end of that prefix and `varint originIndex | body` is the stored value.
    const index = state.origins.indexFor(origin);
    const prefix = this.ownHashPrefix;
    const headroom = Math.max(prefix.length, varintLength(index));
    const buf = encodeBodyAfter(headroom, seq, hlc, type, v, prev, dataJson);
    buf.set(prefix, headroom - prefix.length);
    const hash = hashPrefixed(buf.subarray(headroom - prefix.length));
    const valueStart = headroom - varintLength(index);
    putVarint(buf, valueStart, index);
    const value = buf.subarray(valueStart);
    const position = ++state.position;
    ops.push(state.layout.logOp(position, value));
    ops.push(state.layout.indexOp(index, seq, position));
    const next = { seq, hash, hlc };
    state.heads.set(origin, next);
    heads.set(origin, next);
    this.unsealed = type === 'feed.sealed' ? 0 : this.unsealed + 1;
    return { position, event: { id: eventId(origin, seq), origin, seq, hlc, type, v, data, prev } };
  }

  private stampSeal(ops: Op[], heads: Map<string, OriginHead>): JournalEntry {
    const head = this.state.heads.get(this.nodeId)!;
    const data: EventDataMap['feed.sealed'] = {
      seq: head.seq,
      hash: head.hash,
      publicKey: this.identity.publicKey,
      signature: signMessage(this.identity, sealMessage(this.nodeId, head.seq, head.hash)),
    };
    return this.stampLocal('feed.sealed', 1, JSON.stringify(data), data, ops, heads);
  }

  private async flushLoop(): Promise<void> {
    const state = this.state;
    // Yield once first: `writing ??= flushLoop()` must store this loop before it can end (a refused
    // batch ends it without awaiting anything), or `busy` would hold a settled promise for ever.
    await Promise.resolve();
    // Readings queued while a batch is written wait for their own window (armed as they came).
    while (this.queue.length > 0 && this.flushDue) {
      this.flushDue = false;
      this.closeWindow(); // held readings go with this batch
      const writes = this.queue;
      this.queue = [];
      // Writes began to fail while these waited (a projection commit hit a full disk during a
      // readings window): never write them into a log a failed write may have left broken.
      const refused = state.fault ? this.guard.refusal('foreign') : undefined;
      if (refused) {
        for (const w of writes) w.reject(refused);
        this.rollBack();
        continue;
      }
      const heads = new Map<string, OriginHead>();
      for (const w of writes) {
        for (const [o, h] of w.heads) heads.set(o, h);
      }
      const batch = state.db.batch();
      try {
        for (const w of writes) {
          for (const op of w.ops) batch.put(op.key, op.value);
        }
        for (const [o, h] of heads) {
          const op = state.layout.metaOp(`head!${o}`, h);
          batch.put(op.key, op.value);
        }
        await batch.write({ sync: this.sync } as never);
        this.stats.batches += 1;
        if (this.sync) this.stats.syncs += 1;
        for (const w of writes) this.stats.events += w.items.length;
      } catch (cause) {
        await batch.close().catch(() => undefined); // idempotent; write() closes it too
        this.failWrites(writes, cause);
        continue;
      }
      for (const [o, h] of heads) state.durableHeads.set(o, h);
      // Positions are stamped in queue order: the writes are consecutive, and follow the ring.
      for (const w of writes) state.ring.add(w.first, w.items);
      if (!state.ring.isEmpty) state.durablePosition = state.ring.lastPosition;
      state.ring.trim();
      for (const w of writes) w.resolve();
      this.wakeAll();
    }
    this.flushDue = false;
    this.writing = undefined;
  }

  /** A failed batch fails everything stamped on top of it, and the tentative state rolls back. */
  private failWrites(writes: PendingWrite[], cause: unknown): void {
    const err = this.guard.failed(cause);
    const queued = this.queue;
    this.queue = [];
    this.closeWindow();
    for (const w of [...writes, ...queued]) w.reject(err);
    this.rollBack();
  }

  private rollBack(): void {
    this.state.heads = new Map(this.state.durableHeads);
    this.state.position = this.state.durablePosition;
    this.state.origins.dropPending();
    // Origin indexes handed out in the failed batch are forgotten; they are reassigned on retry.
    // Writes stay refused (the guard's fault) until this has read them back; a closing journal ends it.
    void this.reloadOrigins().catch(() => undefined);
  }

  private async reloadOrigins(): Promise<void> {
    const { origins } = await readJournalMeta(this.state.db);
    this.state.origins.reset(origins);
  }
}
