import hnsw from 'hnswlib-node';

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
 */
export class HnswIndex {
  private index: InstanceType<typeof HierarchicalNSW>;
  private readonly metas: Array<VectorMeta | null> = [];
  private readonly labels = new Map<string, number>();
  private deleted = 0;

  constructor(
    readonly model: string,
    readonly dim: number,
    private readonly params: HnswParams = DEFAULT_HNSW,
  ) {
    this.index = new HierarchicalNSW('ip', dim);
    this.index.initIndex({ maxElements: params.initialCapacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
    this.index.setEf(params.efSearch);
  }

  /** Live (not deleted) vectors. */
  get size(): number {
    return this.metas.length - this.deleted;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  has(id: string): boolean {
    return this.labels.has(id);
  }

  /** Adds a vector; an id already present is ignored (a replay after a crash re-adds what the file has). */
  add(meta: VectorMeta, vector: number[]): void {
    if (vector.length !== this.dim) throw new TypeError(`vector of ${vector.length} dimensions for a ${this.dim}-d index`);
    if (this.labels.has(meta.id)) return;
    const label = this.metas.length;
    if (label >= this.index.getMaxElements()) this.index.resizeIndex(this.index.getMaxElements() * 2);
    this.index.addPoint(vector, label);
    this.metas.push(meta);
    this.labels.set(meta.id, label);
  }

  remove(id: string): boolean {
    const label = this.labels.get(id);
    if (label === undefined || this.metas[label] === null) return false;
    this.index.markDelete(label);
    this.metas[label] = null;
    this.deleted += 1;
    return true;
  }

  /** The k nearest live vectors passing `filter`, best first. */
  search(vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    if (this.size === 0 || k <= 0) return [];
    if (vector.length !== this.dim) throw new TypeError(`query of ${vector.length} dimensions for a ${this.dim}-d index`);
    const want = Math.min(k, this.size);
    this.index.setEf(Math.max(this.params.efSearch, want));
    const f = filter ? (label: number) => { const m = this.metas[label]; return m !== null && m !== undefined && filter(m); } : undefined;
    const res = this.index.searchKnn(vector, want, f);
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
    this.index.writeIndexSync(indexPath);
    return JSON.stringify(this.metas);
  }

  /** Loads a written graph and its labels. */
  static async read(model: string, dim: number, indexPath: string, metas: Array<VectorMeta | null>, params: HnswParams = DEFAULT_HNSW): Promise<HnswIndex> {
    const idx = new HnswIndex(model, dim, params);
    await idx.index.readIndex(indexPath, false);
    idx.index.setEf(params.efSearch);
    metas.forEach((m, label) => {
      idx.metas.push(m);
      if (m) idx.labels.set(m.id, label);
      else idx.deleted += 1;
    });
    return idx;
  }
}
