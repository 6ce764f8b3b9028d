import hnsw from 'hnswlib-node';
import type { BulkSink } from './bulk-build.js';

const { HierarchicalNSW } = hnsw;

/** What the index knows about each vector besides the vector: enough to filter without a lookup. */
export interface VectorMeta {
  /** The id of the event that introduced the text (observation id or memory id). */
  readonly id: string;
  readonly type: 'observation' | 'memory';
  readonly origin: string;
  /** Wall ms. */
  readonly at: number;
  readonly kind: string;
}

export interface HnswParams {
  /** Graph degree. */
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  readonly initialCapacity: number;
}

export const DEFAULT_HNSW: HnswParams = { m: 12, efConstruction: 48, efSearch: 128, initialCapacity: 1024 };

export interface VectorHit {
  readonly meta: VectorMeta;
  /** Cosine similarity (vectors are unit length). */
  readonly score: number;
}

/**
 * One HNSW index for one (model, dim): inner product over unit vectors, labels are positions in
 * `metas`. It grows by doubling with resizeIndex; deleted items are marked, not removed.
 *
 * During a bulk build (see BulkBuild) the labels and metas are still assigned here, in journal
 * order, but the graph work goes to a sink (a worker's index); searches keep using the graph as it
 * was when the build started until `swap` reads the worker's graph in.
 */
export class HnswIndex {
  private native: InstanceType<typeof HierarchicalNSW>;
  private readonly metas: Array<VectorMeta | null> = [];
  private readonly labels = new Map<string, number>();
  private deleted = 0;
  /** A graph file equal to `native` (set when read or written, cleared by any change). */
  private file_: string | undefined;
  private sink: BulkSink | undefined;

  constructor(
    readonly model: string,
    readonly dim: number,
    private readonly params: HnswParams = DEFAULT_HNSW,
  ) {
    this.native = new HierarchicalNSW('ip', dim);
    this.native.initIndex({ maxElements: params.initialCapacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
    this.native.setEf(params.efSearch);
  }

  /** Live (not deleted) vectors. */
  get size(): number {
    return this.metas.length - this.deleted;
  }

  get capacity(): number {
    return this.native.getMaxElements();
  }

  /** Vectors in the searchable graph (fewer than the labels while a bulk build runs). */
  get graphCount(): number {
    return this.native.getCurrentCount();
  }

  /** A file holding exactly the current graph, if one is known. */
  get file(): string | undefined {
    return this.file_;
  }

  get bulk(): boolean {
    return this.sink !== undefined;
  }

  has(id: string): boolean {
    return this.labels.has(id);
  }

  /** Adds a vector; an id already present is ignored (a replay after a crash re-adds what the file has). */
  add(meta: VectorMeta, vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) throw new TypeError(`vector of ${vector.length} dimensions for a ${this.dim}-d index`);
    if (this.labels.has(meta.id)) return;
    const label = this.metas.length;
    if (this.sink) {
      this.sink.add(label, vector);
    } else {
      if (label >= this.native.getMaxElements()) this.native.resizeIndex(this.native.getMaxElements() * 2);
      this.native.addPoint(Array.isArray(vector) ? vector : Array.from(vector), label);
      this.file_ = undefined;
    }
    this.metas.push(meta);
    this.labels.set(meta.id, label);
  }

  remove(id: string): boolean {
    const label = this.labels.get(id);
    if (label === undefined || this.metas[label] === null) return false;
    if (this.sink) this.sink.remove(label);
    // Also during a bulk build, when the graph searched meanwhile has it: it stops showing up at once.
    if (label < this.native.getCurrentCount()) {
      this.native.markDelete(label);
      this.file_ = undefined;
    }
    this.metas[label] = null;
    this.deleted += 1;
    return true;
  }

  /** The k nearest live vectors passing `filter`, best first. */
  search(vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    if (this.size === 0 || k <= 0) return [];
    if (vector.length !== this.dim) throw new TypeError(`query of ${vector.length} dimensions for a ${this.dim}-d index`);
    // During a bulk build the graph holds fewer vectors than `size` counts (hnswlib refuses k > capacity).
    const want = Math.min(k, this.size, this.native.getCurrentCount());
    if (want <= 0) return [];
    this.native.setEf(Math.max(this.params.efSearch, want));
    const f = filter ? (label: number) => { const m = this.metas[label]; return m !== null && m !== undefined && filter(m); } : undefined;
    const res = this.native.searchKnn(vector, want, f);
    const out: VectorHit[] = [];
    res.neighbors.forEach((label, i) => {
      const meta = this.metas[label];
      if (meta) out.push({ meta, score: 1 - res.distances[i]! });
    });
    return out.sort((a, b) => b.score - a.score);
  }

  /**
   * Writes the graph and returns the label table as JSON, both in one synchronous step so no add
   * can slip in between (hnswlib's async write runs on another thread while we keep adding).
   */
  writeSync(indexPath: string): string {
    this.writeGraphSync(indexPath);
    return this.labelsJson();
  }

  /** Writes the graph alone (a bulk build reads it in its worker). */
  writeGraphSync(indexPath: string): void {
    if (this.sink) throw new TypeError('the graph is being built in a worker; write it from there');
    this.native.writeIndexSync(indexPath);
    this.file_ = indexPath;
  }

  /** The label table as JSON (what `read` takes back). */
  labelsJson(): string {
    return JSON.stringify(this.metas);
  }

  /** Sends graph work to `sink` until `swap` (labels and metas stay here). */
  startBulk(sink: BulkSink): void {
    this.sink = sink;
  }

  /**
   * Replaces the graph with one read from `indexPath` (a bulk build's result) and ends bulk mode.
   * `kept`: the file stays (a saved generation), so a later bulk build can start from it.
   */
  async swap(indexPath: string, kept: boolean): Promise<void> {
    const native = new HierarchicalNSW('ip', this.dim);
    await native.readIndex(indexPath, false);
    native.setEf(this.params.efSearch);
    if (native.getCurrentCount() !== this.metas.length) throw new TypeError(`graph of ${native.getCurrentCount()} vectors for ${this.metas.length} labels`);
    this.native = native;
    this.file_ = kept ? indexPath : undefined;
    this.sink = undefined;
  }

  /** Ends bulk mode without a new graph (the build failed; the caller drops this index). */
  endBulk(): void {
    this.sink = undefined;
  }

  /** Loads a written graph and its labels. */
  static async read(model: string, dim: number, indexPath: string, metas: Array<VectorMeta | null>, params: HnswParams = DEFAULT_HNSW): Promise<HnswIndex> {
    const idx = new HnswIndex(model, dim, params);
    await idx.native.readIndex(indexPath, false);
    idx.native.setEf(params.efSearch);
    idx.file_ = indexPath;
    metas.forEach((m, label) => {
      idx.metas.push(m);
      if (m) idx.labels.set(m.id, label);
      else idx.deleted += 1;
    });
    return idx;
  }
}
