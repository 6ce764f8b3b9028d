import type { EventRegistry } from '../events/registry.js';
import type { HlcClock } from '../clock/hlc.js';
import type { EventDraft, JournalEntry, SmolEvent } from '../events/event.js';
import type { EventDataMap, EventType } from '../events/core-events.js';
import type { NodeIdentity } from '../identity/node-identity.js';
import type { IngestResult, Journal, OriginHead, RawEvent, RawOriginEvent, ReadOptions, SubscribeOptions, Subscription, VersionVector } from './journal.js';
import { JournalIngest } from './journal-ingest.js';
import { DEFAULT_SEAL_EVERY, countUnsealed, readJournalMeta, type JournalMeta } from './journal-meta.js';
import { JournalReader } from './journal-reader.js';
import { createJournalState, type Db, type JournalState } from './journal-state.js';
import { JournalWriter, type Timeouts, type WriteStats } from './journal-writer.js';
import { LevelProjectionStore } from './level-projection-store.js';
import { startSubscription } from './subscription.js';
import { ColdTier, type MoveSettings } from './cold/cold-tier.js';
import type { ColdFileStore } from './cold/cold-store.js';
import type { ColdManifest } from './cold/cold-manifest.js';
import type { MoveResult } from './cold/cold-mover.js';
import { signMessage } from '../identity/node-identity.js';
import type { WriteFault } from './journal-state.js';
import type { FaultListener, WriteRepair } from './write-guard.js';
import { FeedBases } from './basis/feed-bases.js';
import { ProjectionSnapshots } from './basis/projection-snapshots.js';
import type { FeedBasis } from './basis/feed-basis.js';

export { READ_AHEAD_BYTES, VALUES_ONLY_KEY_ENCODING } from './hot-log-reads.js';
export { DEFAULT_SEAL_EVERY, UNSEALED_SCAN_LIMIT, type JournalMeta } from './journal-meta.js';

export interface LevelJournalOptions {
  readonly clock: HlcClock;
  readonly identity: NodeIdentity;
  /** Append a signed `feed.sealed` after this many unsealed local events (default 1000). */
  readonly sealEvery?: number;
  /** fsync every batch (default true). Only benchmarks of raw throughput turn this off. */
  readonly sync?: boolean;
  /** Recent entries kept in memory so live subscribers do not read back from disk. */
  readonly ringSize?: number;
  /**
   * Readings-only appends are group-committed over this window (ms; 0, the default here: every
   * append is its own batch). The node passes journal.readingsCommitMs (10 s). See journal-writer.ts.
   */
  readonly readingsCommitMs?: number;
  /** Timers of the readings window (tests). */
  readonly timeouts?: Timeouts;
  /** Validate local appends against these schemas (the node's journal; journal-writer.ts says why). */
  readonly registry?: EventRegistry;
}

/**
 * The journal over any abstract-level database: classic-level on disk, memory-level in tests.
 * It wires three parts around one shared state (journal-state.ts): the writer (stamping, group
 * commit, seals; journal-writer.ts), the reader (by position, by origin, the ring, subscriptions'
 * reads; journal-reader.ts) and ingest of foreign events (journal-ingest.ts, ingest-plan.ts).
 */
export class LevelJournal implements Journal {
  readonly nodeId: string;
  readonly publicKey: string;
  private readonly state: JournalState;
  private readonly writer: JournalWriter;
  private readonly reader: JournalReader;
  private readonly ingester: JournalIngest;
  /** Where feeds start after retention (basis/feed-bases.ts). */
  readonly feedBases: FeedBases;
  /** Copies of every projection's stored data past the dropped history (basis/projection-snapshots.ts; projection/snapshot.ts). */
  readonly projectionSnapshots: ProjectionSnapshots;

  constructor(db: Db, meta: JournalMeta, options: LevelJournalOptions) {
    this.nodeId = options.identity.nodeId;
    this.publicKey = options.identity.publicKey;
    this.state = createJournalState(db, meta, options.ringSize ?? 4096);
    this.writer = new JournalWriter(this.state, {
      clock: options.clock,
      identity: options.identity,
      sealEvery: options.sealEvery ?? DEFAULT_SEAL_EVERY,
      sync: options.sync ?? true,
      unsealed: meta.unsealed ?? 0,
      ...(options.readingsCommitMs !== undefined ? { readingsCommitMs: options.readingsCommitMs } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
    });
    this.reader = new JournalReader(this.state);
    this.feedBases = new FeedBases(db, meta.bases ?? new Map());
    this.projectionSnapshots = new ProjectionSnapshots(db);
    this.ingester = new JournalIngest(this.state, this.writer, this.reader, options.clock, this.nodeId);
  }

  /** Reads origins, heads and the last position from an opened database. */
  static readMeta(db: Db): Promise<JournalMeta> {
    return readJournalMeta(db);
  }

  /** Own events after our newest `feed.sealed`, looking back at most `limit` events (see journal-meta.ts). */
  static countUnsealed(db: Db, meta: JournalMeta, origin: string, limit: number): Promise<number> {
    return countUnsealed(db, meta, origin, limit);
  }

  // ---- writing -------------------------------------------------------------------------------

  append(drafts: readonly EventDraft[]): Promise<JournalEntry[]> {
    return this.writer.append(drafts);
  }

  async appendOne<T extends EventType>(type: T, data: EventDataMap[T]): Promise<JournalEntry<SmolEvent<T, EventDataMap[T]>>> {
    const [entry] = await this.writer.append([{ type, data }]);
    return entry as JournalEntry<SmolEvent<T, EventDataMap[T]>>;
  }

  seal(): Promise<JournalEntry | undefined> {
    return this.writer.seal();
  }

  /** Writes held readings now (one synced batch) instead of at the end of their window; resolves when durable. */
  flush(): Promise<void> {
    if (this.state.closed) return Promise.resolve();
    return this.writer.flush();
  }

  /** Batches, synced batches (fsyncs of LevelDB's log) and events written since the journal opened. */
  writeStats(): WriteStats {
    return this.writer.writeStats();
  }

  /** How long readings-only appends may wait to share one synced batch (ms; 0: they do not). */
  get readingsWindowMs(): number {
    return this.writer.readingsWindowMs;
  }

  ingest(events: readonly RawEvent[]): Promise<IngestResult> {
    const refused = this.writer.guard.refusal('foreign');
    if (refused) return Promise.reject(refused);
    return this.ingester.ingest(events);
  }

  // ---- feed bases (basis/feed-bases.ts) -------------------------------------------------------

  basis(origin: string): FeedBasis | undefined {
    return this.feedBases.get(origin);
  }

  bases(): ReadonlyMap<string, FeedBasis> {
    return this.feedBases.all();
  }

  /** Starts `origin`'s feed at a checked basis past our head (segment import), once queued ingests settled. */
  async adoptBasis(origin: string, basis: FeedBasis, now: number): Promise<void> {
    await this.ingester.drain();
    await this.feedBases.adopt(this.state, origin, basis, now);
  }

  // ---- write health (write-guard.ts) ---------------------------------------------------------

  /** Why writes are refused right now (disk full, I/O error), or undefined while the journal writes. */
  writeFault(): WriteFault | undefined {
    return this.state.fault;
  }

  /** True while free space is below the low-space watermark (low-value writes get SMOL_DISK_LOW). */
  get diskLow(): boolean {
    return this.state.diskLow;
  }

  /** Set by whoever watches the data disk (the CLI checks statfs against journal.minFreeBytes). */
  setDiskLow(low: boolean): void {
    this.state.diskLow = low;
  }

  /** Lets the journal repair itself after a failed write once `roomToWrite` says there is room. */
  enableRepair(repair: WriteRepair): void {
    this.writer.guard.setRepair(repair);
  }

  /** Called when writes start failing and when they work again; returns an unsubscribe. */
  onWriteFault(listener: FaultListener): () => void {
    return this.writer.guard.onFault(listener);
  }

  // ---- reading -------------------------------------------------------------------------------

  lastPosition(): number {
    return this.state.durablePosition;
  }

  heads(): ReadonlyMap<string, OriginHead> {
    return this.state.durableHeads;
  }

  vector(): VersionVector {
    const v: VersionVector = {};
    for (const [o, h] of this.state.durableHeads) v[o] = h.seq;
    return v;
  }

  read(options: ReadOptions = {}): AsyncIterable<JournalEntry> {
    return this.reader.read(options);
  }

  /** The stored body of (origin, seq), or undefined. */
  getBody(origin: string, seq: number): Promise<{ position: number; body: Buffer } | undefined> {
    return this.reader.getBody(origin, seq);
  }

  readOrigin(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<{ position: number; event: SmolEvent; body: Buffer }> {
    return this.reader.readOrigin(origin, fromSeq, toSeq);
  }

  readOriginRaw(origin: string, fromSeq: number, toSeq?: number): AsyncIterable<RawOriginEvent> {
    return this.reader.readOriginRaw(origin, fromSeq, toSeq);
  }

  get(origin: string, seq: number): Promise<JournalEntry | undefined> {
    return this.reader.get(origin, seq);
  }

  getAt(position: number): Promise<JournalEntry | undefined> {
    return this.reader.getAt(position);
  }

  subscribe(options: SubscribeOptions, onBatch: (entries: JournalEntry[], scannedTo: number) => void | Promise<void>): Subscription {
    const { state, reader, writer } = this;
    return startSubscription(
      {
        lastPosition: () => state.durablePosition,
        readRange: (from, to, filter) => reader.readRange(from, to, filter),
        nextCommit: () => writer.nextCommit(),
        get isClosed() {
          return state.closed;
        },
      },
      options,
      onBatch,
    );
  }

  projectionStore(name: string): LevelProjectionStore {
    const db = this.state.db;
    const guard = this.writer.guard;
    // Projection commits share LevelDB's log: none goes into a log a failed write left broken.
    const writeGuard = {
      before: () => guard.refusal([], false),
      failed: (cause: unknown) => void (/IO error|no space/i.test(String((cause as Error)?.message)) && guard.failed(cause)),
    };
    return new LevelProjectionStore(db, db.sublevel<string, unknown>(['proj', name], { keyEncoding: 'utf8', valueEncoding: 'json' }), writeGuard);
  }

  // ---- cold history (cold/) ---------------------------------------------------------------------

  /**
   * Opens the cold tier on `store` (open-journal.ts does, given a store): from then on reads of
   * positions it holds go to its files. Throws SMOL_JOURNAL_CORRUPT, SMOL_COLD_FILE_CORRUPT.
   */
  async openCold(store: ColdFileStore, identity: NodeIdentity): Promise<void> {
    this.state.cold = await ColdTier.open(this.state, {
      store,
      exporter: this.nodeId,
      publicKey: this.publicKey,
      sign: (message) => signMessage(identity, message),
    });
  }

  /** The list of cold files (retention drops the oldest through it); undefined without a cold tier. */
  get coldManifest(): ColdManifest | undefined {
    return this.state.cold?.manifest;
  }

  /** Moves one file's worth of old events cold, when there is one (cold/cold-mover.ts). */
  moveCold(settings: MoveSettings): Promise<MoveResult | undefined> {
    if (!this.state.cold) return Promise.resolve(undefined);
    return this.state.cold.move(settings);
  }

  /** Writes held readings and waits for queued writes, wakes subscribers, closes the database. */
  async close(): Promise<void> {
    if (this.state.closed) return;
    await this.writer.guard.stop();
    await this.ingester.drain();
    // Inline, not an async helper: nothing may queue between the last write ending and `closed`.
    // Held readings are written now (a failed batch rejects its own appends; flush never rejects).
    while (this.writer.busy || this.writer.queued) await this.writer.flush();
    this.state.closed = true;
    this.writer.wakeAll();
    await this.state.db.close();
  }

  /** Keeps `size` recent events in memory for live subscribers; the memory unit shrinks it under pressure (RecentRing.resize). */
  resizeRing(size: number): void {
    this.state.ring.resize(size);
  }

  /** For journal-tools: the underlying database. */
  get database(): Db {
    return this.state.db;
  }
}
