import { hlcWall } from '../../core/clock/hlc.js';
import type { EventDataMap } from '../../core/events/core-events.js';
import type { JournalEntry } from '../../core/events/event.js';
import type { EventRegistry } from '../../core/events/registry.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import { decodeEmbedding, type StoredEmbedding } from '../../core/embeddings/vector-codec.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { HnswParams, VectorHit, VectorMeta } from './hnsw-index.js';
import { MAX_BATCH, VectorStore, type VectorCoverage } from './vector-store.js';

export const VECTOR_EVENT_TYPES = ['observation.recorded', 'memory.remembered', 'memory.forgotten'] as const;

export interface VectorsProjectionOptions {
  /** Where the index files and checkpoint live; undefined = memory only. */
  readonly dir?: string;
  readonly params?: HnswParams;
  /**
   * Most vectors held in memory, all indexes together (default: no cap; a node passes
   * `agent.maxIndexedVectors`). Over it the oldest observations leave the index (memories last).
   */
  readonly maxVectors?: number;
  /** Save after this many indexed events (default 5,000) … */
  readonly saveEvery?: number;
  /** … or this long after the first unsaved one (ms, default 30 s), once the unsaved are an eighth of the indexes (worthSaving). */
  readonly saveIntervalMs?: number;
  /**
   * A delivered batch with at least this many vector events (default 512; Infinity: never) starts
   * a bulk build: inserts run in worker threads (one per shard, up to the cores) until the
   * projection has caught up.
   */
  readonly bulkThreshold?: number;
  /** Vector events per delivered batch (default and at most MAX_BATCH, 2,048; tests use fewer). */
  readonly batchSize?: number;
  /** The bulk build's worker module (default: bulk-worker next to bulk-build). */
  readonly bulkWorkerUrl?: URL;
  /** The bulk build's worker threads at most (default: the shards of an index, up to the cores). */
  readonly bulkWorkers?: number;
  /**
   * True while a new bulk build should not start (memory pressure: the workers hold a second copy
   * of the graphs); the catch-up then indexes on this thread, batch by batch, in less memory.
   */
  readonly bulkPaused?: () => boolean;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A stored embedding as float32s, without the plain-array copy (a bulk build packs them as they are). */
function decodeFloats(e: StoredEmbedding): ArrayLike<number> {
  if (!LITTLE_ENDIAN) return decodeEmbedding(e);
  const buf = Buffer.from(e.vector, 'base64');
  if (buf.byteOffset % 4 === 0) return new Float32Array(buf.buffer, buf.byteOffset, e.dim);
  const f = new Float32Array(e.dim);
  new Uint8Array(f.buffer).set(buf.subarray(0, e.dim * 4));
  return f;
}

/**
 * The vectors projection: HNSW indexes over the embeddings stored in observation and memory
 * events, one per (model, dim). It lives in adapters because hnswlib and files are I/O, but it
 * behaves like any projection: it follows the journal from its checkpoint, and a rebuild replays
 * the events — the embeddings are in them, so no model is called.
 *
 * A long catch-up (a rebuild, a start far behind, a large sync import) runs as a bulk build: this
 * thread reads and decodes the journal while worker threads insert into the graphs (each index is
 * sharded; each worker owns some shards), so they all overlap and the event loop keeps serving.
 * Searches meanwhile see the graphs as they were; the position (and `caughtUp`) moves only when the
 * workers' graphs are saved and read back. If a worker fails, the indexes go back to the last
 * saved generation, the projection stops, and `caughtUp` rejects with
 * SMOL_VECTOR_INDEX_BUILD_FAILED (`start` tries again).
 */
export class VectorsProjection {
  readonly store: VectorStore;
  private sub: Subscription | undefined;
  private position_ = 0;
  private unsaved = 0;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private waiters: Array<{ position: number; resolve: () => void; reject: (err: Error) => void }> = [];
  /** Journal position a running bulk build has read to (the position moves there when it ends). */
  private bulkTo = 0;
  private failure_: Error | undefined;
  /** Catch-ups that ran as a bulk build and finished (for status lines and tests). */
  bulkBuilds = 0;
  /** Compactions that finished (the cap's evictions leave deleted slots; see VectorStore.compact). */
  compactions = 0;
  /** Why the last compaction failed, if it did (the old graphs stay; it is tried again later). */
  compactionFailure: Error | undefined;
  private compacting: Promise<void> | undefined;

  constructor(
    private readonly journal: Journal,
    private readonly registry: EventRegistry,
    private readonly options: VectorsProjectionOptions = {},
  ) {
    this.store = new VectorStore(options.dir, options.params, options.maxVectors);
  }

  get position(): number {
    return this.position_;
  }

  /** Why the projection stopped following the journal, if it did (cleared by `start`). */
  get failure(): Error | undefined {
    return this.failure_;
  }

  /** Loads the saved indexes and follows the journal from there. */
  async start(): Promise<void> {
    this.failure_ = undefined;
    this.position_ = await this.store.load();
    // Index files newer than the journal (a journal restored from an older copy): start over.
    if (this.position_ > this.journal.lastPosition()) {
      await this.store.clear();
      this.position_ = 0;
    }
    this.sub = this.journal.subscribe(
      { fromPosition: this.position_ + 1, types: [...VECTOR_EVENT_TYPES], batchSize: Math.min(this.options.batchSize ?? MAX_BATCH, MAX_BATCH), emptyBatches: true },
      (entries, scannedTo) => this.onBatch(entries, scannedTo),
    );
    this.sub.done.catch(() => undefined);
  }

  private onBatch(entries: JournalEntry[], scannedTo: number): Promise<void> | void {
    if (this.store.bulkActive || this.worthBulk(entries.length)) return this.onBulkBatch(entries, scannedTo);
    for (const entry of entries) this.apply(entry);
    this.unsaved += entries.length;
    this.advance(scannedTo);
    if (this.compactionDue()) return this.compact();
    if (this.unsaved >= (this.options.saveEvery ?? 5000)) return this.save();
    if (this.unsaved > 0 && !this.timer && this.worthSaving()) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.save().catch(() => undefined);
      }, this.options.saveIntervalMs ?? 30_000);
      this.timer.unref();
    }
  }

  /**
   * A bulk build ends with the workers' graphs written and read back, which costs about what
   * indexing a tenth of them would. So: a big batch, and a backlog (in journal positions, an upper
   * bound of the vector events) of at least an eighth of what the indexes hold already.
   */
  private worthBulk(batch: number): boolean {
    const threshold = this.options.bulkThreshold ?? 512;
    if (batch < threshold || this.options.bulkPaused?.()) return false;
    const held = this.store.list().reduce((a, i) => a + i.size, 0);
    return this.journal.lastPosition() - this.position_ >= Math.max(threshold, held / 8);
  }

  /**
   * A save writes every index whole (a new generation), so the timer saves only once the unsaved
   * vectors are at least an eighth of what the indexes hold: on a default node (an observation
   * every 15 min) a 30-day index of ~2,900 vectors was rewritten, ~5 MB, after each one — 480 MB a
   * day, the node's largest writer by far (test/bench/README.md, Soak). A clean stop still saves;
   * after a crash the projection re-indexes at most that eighth from the journal.
   */
  private worthSaving(): boolean {
    const held = this.store.list().reduce((a, i) => a + i.size, 0);
    return this.unsaved * 8 >= held;
  }

  private advance(position: number): void {
    this.position_ = position;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (this.position_ >= w.position ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  private async onBulkBatch(entries: JournalEntry[], scannedTo: number): Promise<void> {
    try {
      if (!this.store.bulkActive) {
        // A save in flight writes each graph with its labels; let it finish before they part ways.
        await this.saving.catch(() => undefined);
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        this.store.beginBulk({ workerUrl: this.options.bulkWorkerUrl, workers: this.options.bulkWorkers });
      }
      for (const entry of entries) this.apply(entry);
      this.unsaved += entries.length;
      this.bulkTo = scannedTo;
      await this.store.bulkFlush();
      // Far behind under a cap, the workers' graphs would fill with evicted slots: end the build
      // here (a save at this position), compact, and go on (the next batch starts a new build).
      const compactNow = this.compactionDue();
      if (compactNow || scannedTo >= this.journal.lastPosition()) await this.finishBulk();
    } catch (err) {
      throw await this.fail(err);
    }
    if (!this.store.bulkActive && this.compactionDue()) await this.compact();
  }

  /** Not while memory pressure pauses bulk builds: a compaction also holds two copies of an index for a moment. */
  private compactionDue(): boolean {
    return this.store.compactionDue() && !this.options.bulkPaused?.();
  }

  /**
   * Rebuilds the indexes carrying too many deleted slots and saves them (see VectorStore.compact). A failure keeps the old graphs, searches go on, and it is tried again
   * after another quarter of the cap.
   */
  private async compact(): Promise<void> {
    await this.saving.catch(() => undefined);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.compacting = this.store
      .compact(this.position_)
      .then(() => {
        this.compactions += 1;
        this.compactionFailure = undefined;
        this.unsaved = 0;
      }, (err: unknown) => {
        this.compactionFailure = err instanceof Error ? err : new Error(String(err));
      });
    await this.compacting;
    this.compacting = undefined;
  }

  /** The worker's graphs become the indexes (and, with a directory, the saved generation). */
  private async finishBulk(): Promise<void> {
    await this.saving.catch(() => undefined);
    await this.store.finishBulk(this.bulkTo);
    this.bulkBuilds += 1;
    this.unsaved = 0;
    this.advance(this.bulkTo);
  }

  /** Back to the last saved generation; waiters learn why. The subscription ends with `err`. */
  private async fail(err: unknown): Promise<Error> {
    const e = err instanceof Error ? err : new SmolError(ErrorCodes.VECTOR_INDEX_BUILD_FAILED, String(err));
    this.failure_ = e;
    this.position_ = await this.store.reload();
    this.unsaved = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(e);
    return e;
  }

  private apply(entry: JournalEntry): void {
    const event = this.registry.upcast(entry.event);
    // Upcast to this build's newest version; a newer one (from a newer peer) is not understood.
    if (event.v !== (this.registry.latestVersion(event.type) ?? 1)) return;
    const at = hlcWall(event.hlc);
    switch (event.type) {
      case 'observation.recorded': {
        const d = event.data as EventDataMap['observation.recorded'];
        this.store.add(d.embedding.model, { id: event.id, type: 'observation', origin: event.origin, at, kind: d.kind }, decodeFloats(d.embedding));
        break;
      }
      case 'memory.remembered': {
        const d = event.data as EventDataMap['memory.remembered'];
        this.store.add(d.embedding.model, { id: event.id, type: 'memory', origin: event.origin, at, kind: d.kind }, decodeFloats(d.embedding));
        break;
      }
      case 'memory.forgotten':
        this.store.remove((event.data as EventDataMap['memory.forgotten']).memoryId);
        break;
      default:
        break;
    }
  }

  /**
   * Resolves once every event up to `position` (default: the journal's last) is indexed and
   * searchable. Rejects with the failure (SMOL_VECTOR_INDEX_BUILD_FAILED) if the projection stopped.
   */
  caughtUp(position = this.journal.lastPosition()): Promise<void> {
    if (this.position_ >= position) return Promise.resolve();
    if (this.failure_) return Promise.reject(this.failure_);
    return new Promise((resolve, reject) => this.waiters.push({ position, resolve, reject }));
  }

  search(model: string, dim: number, vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    return this.store.search(model, dim, vector, k, filter);
  }

  /** What semantic search covers: vectors indexed, the cap, the oldest indexed observation's time. */
  coverage(): VectorCoverage {
    return this.store.coverage();
  }

  /** Persists the indexes with the position they cover. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      // A bulk build saves when it ends (its graphs are in the workers until then).
      if (this.store.bulkActive) return;
      if (this.unsaved === 0 && this.store.position === this.position_) return;
      const position = this.position_;
      this.unsaved = 0;
      await this.store.save(position);
    });
    return this.saving;
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.sub?.close();
    await this.sub?.done.catch(() => undefined);
    this.sub = undefined;
    await this.compacting;
    if (this.store.bulkActive) {
      // Keep what the workers built: they are at most a few batches from done.
      try {
        await this.finishBulk();
      } catch (err) {
        await this.fail(err);
      }
    }
    await this.save();
  }

  /** Drops the indexes and replays the journal (no model is called). */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.store.clear();
    this.position_ = 0;
    this.unsaved = 0;
    await this.start();
  }
}
