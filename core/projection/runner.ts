import type { JournalEntry } from '../events/event.js';
import type { EventRegistry } from '../events/registry.js';
import type { Journal, Subscription } from '../journal/journal.js';
import { OverlayStore } from './overlay-store.js';
import type { Projection, ProjectionStore } from './projection.js';
import { assembleState, diffState, hashAll, type ChunkHashes } from './state-chunks.js';
import { restoreFromBasis } from './snapshot.js';

/** Commit at least this often while something is uncommitted (ms): `projections.commitIntervalMs`. */
export const DEFAULT_COMMIT_INTERVAL_MS = 60_000;
/** Commit after this many applied events: `projections.commitEvery`. Bounds the uncommitted records in memory. */
export const DEFAULT_COMMIT_EVERY = 10_000;

export interface RunnerOptions {
  /** Commit after this many applied events (default DEFAULT_COMMIT_EVERY). */
  readonly commitEvery?: number;
  /** Commit what was applied at most this long after it was (default DEFAULT_COMMIT_INTERVAL_MS). */
  readonly commitIntervalMs?: number;
  /** Older names of the two above, still honoured. */
  readonly flushEvery?: number;
  readonly flushIntervalMs?: number;
  /** State objects larger than this (JSON characters) are committed entry by entry (state-chunks.ts). */
  readonly splitBytes?: number;
  /** Injected timers, so tests can pin time. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/** What one commit wrote (for tests and the benchmark). */
export interface CommitStats {
  readonly position: number;
  /** Records written or deleted, and the bytes of those written (JSON). */
  readonly records: number;
  readonly recordBytes: number;
  /** State chunks written or deleted, and the bytes of those written. */
  readonly chunks: number;
  readonly chunkBytes: number;
}

/**
 * Feeds one projection from its checkpoint, then live. The in-memory state is always current
 * (queries read it, and `store` shows records emitted but not yet committed); the disk commit is
 * batched: state chunks that changed, emitted records and the checkpoint go in one batch at most
 * every commitIntervalMs or commitEvery applied events, and at stop. After a crash the projection
 * resumes from its last commit and catches up from the journal.
 * A stored version different from the projection's drops the state and replays from the start.
 */
export class ProjectionRunner<S> {
  private state_: S;
  private position_ = 0;
  private committedPosition = 0;
  private pending = new Map<string, unknown>();
  private committing: ReadonlyMap<string, unknown> | undefined;
  private committedChunks: ChunkHashes = new Map();
  private applied = 0;
  private sub: Subscription | undefined;
  private timer: unknown;
  private flushing: Promise<void> = Promise.resolve();
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private readonly handled: ReadonlySet<string> | undefined;
  private readonly base: ProjectionStore;
  /** Records as queries see them: committed, with the uncommitted ones laid over. */
  readonly store: OverlayStore;
  /** Commits written since construction, and what the last one wrote. */
  commits = 0;
  lastCommit: CommitStats | undefined;
  /** Since construction: state chunk bytes and records (written or deleted) committed. */
  committedChunkBytes = 0;
  committedRecords = 0;

  constructor(
    private readonly journal: Journal,
    readonly projection: Projection<S>,
    private readonly registry: EventRegistry,
    private readonly options: RunnerOptions = {},
  ) {
    this.base = journal.projectionStore(projection.name);
    this.store = new OverlayStore(this.base, () => (this.committing ? [this.pending, this.committing] : [this.pending]));
    this.state_ = projection.initial();
    this.handled = projection.handles === '*' ? undefined : new Set(projection.handles);
  }

  /** The current in-memory state (read-only for queries). */
  get state(): S {
    return this.state_;
  }

  /** The last journal position applied. */
  get position(): number {
    return this.position_;
  }

  /** The position of the last commit (what a restart resumes from). */
  get committed(): number {
    return this.committedPosition;
  }

  private get commitEvery(): number {
    return this.options.commitEvery ?? this.options.flushEvery ?? DEFAULT_COMMIT_EVERY;
  }

  /** Loads the checkpoint (or starts over) without following the journal (ProjectionGroup feeds it). */
  async load(): Promise<void> {
    const checkpoint = await this.base.load();
    this.pending = new Map();
    this.committedChunks = new Map();
    if (!checkpoint || checkpoint.version !== this.projection.version) {
      await this.base.clear();
      this.state_ = this.projection.initial();
      this.position_ = this.committedPosition = 0;
      return;
    }
    if (checkpoint.chunked && this.base.loadChunks) {
      const chunks = await this.base.loadChunks();
      this.committedChunks = hashAll(chunks);
      this.state_ = (assembleState(chunks) as S | undefined) ?? this.projection.initial();
    } else {
      this.state_ = checkpoint.state as S;
    }
    this.position_ = this.committedPosition = checkpoint.position;
  }

  /** Loads the checkpoint and follows the journal on a subscription of its own. */
  async start(): Promise<void> {
    await this.load();
    const handles = this.projection.handles;
    this.sub = this.journal.subscribe(
      {
        fromPosition: this.position_ + 1,
        ...(handles === '*' ? {} : { types: handles }),
        // Small windows keep few decoded events alive across a young-generation GC; the
        // subscription reads the next window while this one is applied.
        batchSize: 512,
        emptyBatches: true,
      },
      (entries, scannedTo) => this.feed(entries, scannedTo),
    );
    this.sub.done.catch(() => undefined);
  }

  /**
   * Applies the entries after this projection's position that it handles, and moves its position
   * to `scannedTo`. Returns the commit's promise when commitEvery was reached (the caller waits on
   * it, which bounds the uncommitted records).
   */
  feed(entries: readonly JournalEntry[], scannedTo: number): Promise<void> | void {
    if (scannedTo <= this.position_) return;
    const emit = (key: string, value: unknown) => void this.pending.set(key, value);
    let state = this.state_;
    let applied = 0;
    for (const entry of entries) {
      if (entry.position <= this.position_ || (this.handled && !this.handled.has(entry.event.type))) continue;
      state = this.projection.apply(state, this.registry.upcast(entry.event), emit);
      applied++;
    }
    this.state_ = state;
    this.applied += applied;
    this.position_ = scannedTo;
    this.wakeWaiters();
    if (this.applied >= this.commitEvery) return this.flush();
    // Events this projection does not handle only move its position: that alone is committed
    // after commitEvery positions (so a restart does not re-scan far back), not every interval.
    if (this.applied === 0 && this.pending.size === 0) {
      if (this.position_ - this.committedPosition >= this.commitEvery) return this.flush();
      return;
    }
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.position_ === this.committedPosition) return;
    const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.timer = set(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.options.commitIntervalMs ?? this.options.flushIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS);
  }

  private disarmTimer(): void {
    if (this.timer !== undefined) (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = undefined;
  }

  /** Commits now: the state chunks that changed, the emitted records and the checkpoint, atomically. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.position_ === this.committedPosition && this.pending.size === 0) return;
      this.disarmTimer();
      // State and position are read together, synchronously: apply mutates the state in place.
      const records = this.pending;
      const position = this.position_;
      const chunked = this.base.loadChunks !== undefined;
      const diff = chunked ? diffState(this.state_, this.committedChunks, this.options.splitBytes) : undefined;
      this.pending = new Map();
      this.committing = records;
      this.applied = 0;
      try {
        const checkpoint = { version: this.projection.version, position, state: chunked ? undefined : this.state_ };
        await this.base.commit(checkpoint as { version: number; position: number; state: S }, records, diff?.writes);
      } catch (err) {
        // A commit that failed (a full disk) is tried again by a later flush: its records go back
        // under any newer ones, and the chain of flushes is not left rejected for good.
        for (const [key, value] of records) if (!this.pending.has(key)) this.pending.set(key, value);
        this.armTimer();
        throw err;
      } finally {
        this.committing = undefined;
      }
      if (diff) this.committedChunks = diff.hashes;
      this.committedPosition = position;
      this.commits++;
      this.committedChunkBytes += diff?.bytes ?? 0;
      this.committedRecords += records.size;
      // Record bytes are counted only when asked (tests, the benchmark): the store already serialised them once.
      this.lastCommit = { position, records: records.size, get recordBytes() { return recordBytes(records); }, chunks: diff?.writes.size ?? 0, chunkBytes: diff?.bytes ?? 0 };
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything up to `position` (default: the journal's last position now) is applied. */
  caughtUp(position = this.journal.lastPosition()): Promise<void> {
    if (this.position_ >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (this.position_ >= w.position ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  /** Stops following (its own subscription, if it has one) and commits what was applied. */
  async stop(): Promise<void> {
    this.disarmTimer();
    this.sub?.close();
    await this.sub?.done.catch(() => undefined);
    this.sub = undefined;
    await this.flush();
  }

  /** Drops the state and replays the whole journal on its own subscription (a runner not fed by a ProjectionGroup). */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.reset();
    await this.start();
  }

  /** Drops the stored state and starts this projection over: from the retention basis's snapshot if there is one, else at position 0 (not following). */
  async reset(): Promise<void> {
    await this.base.clear();
    // After retention dropped old events, a rebuild starts from the snapshot at the basis (snapshot.ts).
    if (await restoreFromBasis(this.journal, this.projection)) return this.load();
    this.state_ = this.projection.initial();
    this.position_ = this.committedPosition = 0;
    this.pending = new Map();
    this.committedChunks = new Map();
    const chunks = this.base.loadChunks ? diffState(this.state_, this.committedChunks, this.options.splitBytes) : undefined;
    await this.base.commit({ version: this.projection.version, position: 0, state: this.state_ }, new Map(), chunks?.writes);
    if (chunks) this.committedChunks = chunks.hashes;
  }
}

/** JSON bytes of the records a commit writes (deletes count 0). */
function recordBytes(records: ReadonlyMap<string, unknown>): number {
  let n = 0;
  for (const value of records.values()) if (value !== undefined) n += JSON.stringify(value).length;
  return n;
}
