import type { JournalEntry } from '../events/event.js';
import type { EventRegistry } from '../events/registry.js';
import type { Journal, Subscription } from '../journal/journal.js';
import type { Projection, ProjectionStore } from './projection.js';

export interface RunnerOptions {
  /** Commit after this many applied events (default 10,000). */
  readonly flushEvery?: number;
  /** Commit dirty state at least this often while live (default 1,000 ms). */
  readonly flushIntervalMs?: number;
  /** Injected timers, so tests can pin time. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/**
 * Feeds one projection from its checkpoint, then live. State, emitted records and the checkpoint
 * are committed in one batch, so after a crash the projection resumes exactly where its state is.
 * A stored version different from the projection's drops the state and replays from the start.
 */
export class ProjectionRunner<S> {
  private state_: S;
  private position_ = 0;
  private committedPosition = 0;
  private pending = new Map<string, unknown>();
  private applied = 0;
  private sub: Subscription | undefined;
  private timer: unknown;
  private flushing: Promise<void> = Promise.resolve();
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  readonly store: ProjectionStore;

  constructor(
    private readonly journal: Journal,
    readonly projection: Projection<S>,
    private readonly registry: EventRegistry,
    private readonly options: RunnerOptions = {},
  ) {
    this.store = journal.projectionStore(projection.name);
    this.state_ = projection.initial();
  }

  /** The current in-memory state (read-only for queries). */
  get state(): S {
    return this.state_;
  }

  /** The last journal position applied. */
  get position(): number {
    return this.position_;
  }

  /** Loads the checkpoint (or starts over) and begins following the journal. */
  async start(): Promise<void> {
    const checkpoint = await this.store.load();
    if (!checkpoint || checkpoint.version !== this.projection.version) {
      await this.store.clear();
      this.state_ = this.projection.initial();
      this.position_ = this.committedPosition = 0;
    } else {
      this.state_ = checkpoint.state as S;
      this.position_ = this.committedPosition = checkpoint.position;
    }
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
      (entries, scannedTo) => this.onBatch(entries, scannedTo),
    );
    this.sub.done.catch(() => undefined);
  }

  private onBatch(entries: JournalEntry[], scannedTo: number): Promise<void> | void {
    const emit = (key: string, value: unknown) => void this.pending.set(key, value);
    let state = this.state_;
    for (const entry of entries) {
      state = this.projection.apply(state, this.registry.upcast(entry.event), emit);
    }
    this.state_ = state;
    this.applied += entries.length;
    this.position_ = scannedTo;
    this.wakeWaiters();
    if (this.applied >= (this.options.flushEvery ?? 10_000)) return this.flush();
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer !== undefined || this.position_ === this.committedPosition) return;
    const set = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.timer = set(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.options.flushIntervalMs ?? 1000);
  }

  /** Commits state, records and checkpoint atomically. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.position_ === this.committedPosition && this.pending.size === 0) return;
      const records = this.pending;
      const position = this.position_;
      this.pending = new Map();
      this.applied = 0;
      try {
        await this.store.commit({ version: this.projection.version, position, state: this.state_ }, records);
      } catch (err) {
        // A commit that failed (a full disk) is tried again by a later flush: its records go back
        // under any newer ones, and the chain of flushes is not left rejected for good.
        for (const [key, value] of records) if (!this.pending.has(key)) this.pending.set(key, value);
        throw err;
      }
      this.committedPosition = position;
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

  /** Stops following and commits what was applied. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = undefined;
    this.sub?.close();
    await this.sub?.done.catch(() => undefined);
    this.sub = undefined;
    await this.flush();
  }

  /** Drops the state and replays the whole journal. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.store.clear();
    this.state_ = this.projection.initial();
    this.position_ = this.committedPosition = 0;
    this.pending = new Map();
    await this.store.commit({ version: this.projection.version, position: 0, state: this.state_ }, new Map());
    await this.start();
  }
}
