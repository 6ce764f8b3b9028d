import { hlcWall } from '../../core/clock/hlc.js';
import type { EventDataMap } from '../../core/events/core-events.js';
import type { JournalEntry } from '../../core/events/event.js';
import type { EventRegistry } from '../../core/events/registry.js';
import type { Journal, Subscription } from '../../core/journal/journal.js';
import { decodeEmbedding } from '../../core/embeddings/vector-codec.js';
import type { HnswParams, VectorHit, VectorMeta } from './hnsw-index.js';
import { VectorStore } from './vector-store.js';

export const VECTOR_EVENT_TYPES = ['observation.recorded', 'memory.remembered', 'memory.forgotten'] as const;

export interface VectorsProjectionOptions {
  /** Where the index files and checkpoint live; undefined = memory only. */
  readonly dir?: string;
  readonly params?: HnswParams;
  /** Save after this many indexed events (default 5,000) … */
  readonly saveEvery?: number;
  /** … or this long after the first unsaved one (ms, default 30 s). */
  readonly saveIntervalMs?: number;
}

/**
 * The vectors projection: HNSW indexes over the embeddings stored in observation and memory
 * events, one per (model, dim). It lives in adapters because hnswlib and files are I/O, but it
 * behaves like any projection: it follows the journal from its checkpoint, and a rebuild replays
 * the events — the embeddings are in them, so no model is called.
 */
export class VectorsProjection {
  readonly store: VectorStore;
  private sub: Subscription | undefined;
  private position_ = 0;
  private unsaved = 0;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  constructor(
    private readonly journal: Journal,
    private readonly registry: EventRegistry,
    private readonly options: VectorsProjectionOptions = {},
  ) {
    this.store = new VectorStore(options.dir, options.params);
  }

  get position(): number {
    return this.position_;
  }

  /** Loads the saved indexes and follows the journal from there. */
  async start(): Promise<void> {
    this.position_ = await this.store.load();
    // Index files newer than the journal (a journal restored from an older copy): start over.
    if (this.position_ > this.journal.lastPosition()) {
      await this.store.clear();
      this.position_ = 0;
    }
    this.sub = this.journal.subscribe(
      { fromPosition: this.position_ + 1, types: [...VECTOR_EVENT_TYPES], batchSize: 2048, emptyBatches: true },
      (entries, scannedTo) => this.onBatch(entries, scannedTo),
    );
    this.sub.done.catch(() => undefined);
  }

  private onBatch(entries: JournalEntry[], scannedTo: number): Promise<void> | void {
    for (const entry of entries) this.apply(entry);
    this.unsaved += entries.length;
    this.position_ = scannedTo;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (this.position_ >= w.position ? w.resolve() : still.push(w));
    this.waiters = still;
    if (this.unsaved >= (this.options.saveEvery ?? 5000)) return this.save();
    if (this.unsaved > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.save().catch(() => undefined);
      }, this.options.saveIntervalMs ?? 30_000);
      this.timer.unref();
    }
  }

  private apply(entry: JournalEntry): void {
    const event = this.registry.upcast(entry.event);
    if (event.v !== 1) return;
    const at = hlcWall(event.hlc);
    switch (event.type) {
      case 'observation.recorded': {
        const d = event.data as EventDataMap['observation.recorded'];
        this.store.add(d.embedding.model, { id: event.id, type: 'observation', origin: event.origin, at, kind: d.kind }, decodeEmbedding(d.embedding));
        break;
      }
      case 'memory.remembered': {
        const d = event.data as EventDataMap['memory.remembered'];
        this.store.add(d.embedding.model, { id: event.id, type: 'memory', origin: event.origin, at, kind: d.kind }, decodeEmbedding(d.embedding));
        break;
      }
      case 'memory.forgotten':
        this.store.remove((event.data as EventDataMap['memory.forgotten']).memoryId);
        break;
      default:
        break;
    }
  }

  /** Resolves once every event up to `position` (default: the journal's last) is indexed. */
  caughtUp(position = this.journal.lastPosition()): Promise<void> {
    if (this.position_ >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  search(model: string, dim: number, vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    return this.store.search(model, dim, vector, k, filter);
  }

  /** Persists the indexes with the position they cover. */
  save(): Promise<void> {
    this.saving = this.saving.then(async () => {
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
