import type { BulkSink } from './bulk-build.js';
import { createGraph, labelsInShard, makeRoom, readGraph, shardCapacity, shardOf, type NativeGraph } from './hnsw-native.js';

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
  /** Capacity of a new index, split across its shards; each shard doubles when full. */
  readonly initialCapacity: number;
  /**
   * Graphs per new index. A bulk build inserts into them in parallel, one worker thread per shard
   * (up to the cores); a search asks each of them. Fixed when an index is created.
   */
  readonly shards: number;
}

export const DEFAULT_HNSW: HnswParams = { m: 12, efConstruction: 48, efSearch: 128, initialCapacity: 1024, shards: 2 };

export interface VectorHit {
  readonly meta: VectorMeta;
  /** Cosine similarity (vectors are unit length). */
  readonly score: number;
}

/**
 * One HNSW index for one (model, dim): inner product over unit vectors, labels are positions in
 * `metas`. The vectors are spread over `shards` native graphs, label L in shard L % shards (under
 * label L itself), because hnswlib-node inserts on one thread only and a native graph cannot be
 * shared between threads: separate graphs are what lets a bulk build insert on several threads.
 * The price is at search time: each shard is searched and the hits merged. Each shard grows by
 * doubling with resizeIndex; deleted items are marked, not removed: they keep their slot (and
 * still help searches find their way) until the store compacts the index (vector-store.ts), which
 * builds it anew from its live vectors. (Reusing a deleted slot in place, hnswlib's updatePoint,
 * was tried: after the cap's worth of turnover recall@10 fell from 0.91 to 0.47, because the edges
 * that pointed to the old vector stay; see test/bench/vectors-cap-bench.ts.)
 *
 * During a bulk build (see BulkBuild) the labels and metas are still assigned here, in journal
 * order, but the graph work goes to a sink (the workers' graphs); searches keep using the graphs as
 * they were when the build started until `swap` reads the workers' graphs in.
 */
export class HnswIndex {
  readonly shards: number;
  private natives: NativeGraph[];
  /** Per shard, a graph file equal to it (set when read or written, cleared by any change). */
  private files: Array<string | undefined>;
  private readonly metas: Array<VectorMeta | null> = [];
  private readonly labels = new Map<string, number>();
  private deleted = 0;
  /** Labels below this are in the searched graphs (all of them, except during a bulk build). */
  private graphLabels = 0;
  private scratch: number[] | undefined;
  private sink: BulkSink | undefined;

  /** `shards` other than the params' is for an index read from files (its shard count is fixed). */
  constructor(
    readonly model: string,
    readonly dim: number,
    private readonly params: HnswParams = DEFAULT_HNSW,
    shards = params.shards,
  ) {
    if (!Number.isInteger(shards) || shards < 1) throw new TypeError(`an index needs a whole number of shards ≥ 1, not ${shards}`);
    this.shards = shards;
    this.natives = Array.from({ length: shards }, () => createGraph(dim, shardCapacity(params.initialCapacity, shards), params));
    this.files = this.natives.map(() => undefined);
  }

  /** Live (not deleted) vectors. */
  get size(): number {
    return this.metas.length - this.deleted;
  }

  /** Slots in the graphs (live and deleted vectors): what their memory grows with. */
  get slots(): number {
    return this.metas.length;
  }

  get capacity(): number {
    return this.natives.reduce((a, n) => a + n.getMaxElements(), 0);
  }

  /** Vectors in the searchable graphs (fewer than the labels while a bulk build runs). */
  get graphCount(): number {
    return this.natives.reduce((a, n) => a + n.getCurrentCount(), 0);
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
      const s = shardOf(label, this.shards);
      const native = this.natives[s]!;
      makeRoom(native);
      native.addPoint(Array.isArray(vector) ? vector : this.plain(vector), label);
      this.files[s] = undefined;
      this.graphLabels = label + 1;
    }
    this.metas.push(meta);
    this.labels.set(meta.id, label);
  }

  remove(id: string): boolean {
    const label = this.labels.get(id);
    if (label === undefined || this.metas[label] === null) return false;
    if (this.sink) this.sink.remove(label);
    // Also during a bulk build, when the graph searched meanwhile has it: it stops showing up at once.
    if (label < this.graphLabels) {
      const s = shardOf(label, this.shards);
      this.natives[s]!.markDelete(label);
      this.files[s] = undefined;
    }
    this.metas[label] = null;
    // The id map holds live vectors only (under a cap, millions of ids pass through it).
    this.labels.delete(id);
    this.deleted += 1;
    return true;
  }

  /** Every indexed vector's meta. */
  *live(): Iterable<VectorMeta> {
    for (const m of this.metas) if (m) yield m;
  }

  /** Every indexed vector with its vector, in label order (read back from the graphs; not during a bulk build). */
  *entries(): Iterable<[VectorMeta, number[]]> {
    if (this.sink) throw new TypeError('the graphs are being built in workers');
    for (let label = 0; label < this.metas.length; label++) {
      const m = this.metas[label];
      if (m) yield [m, this.natives[shardOf(label, this.shards)]!.getPoint(label)];
    }
  }

  /** Frees the graphs' native memory now (GC would, some time): for an index that has been replaced. */
  release(): void {
    for (const native of this.natives) native.initIndex({ maxElements: 1, m: this.params.m, efConstruction: this.params.efConstruction, randomSeed: 100 });
    this.files = this.natives.map(() => undefined);
  }

  /** hnswlib-node takes plain arrays only (it copies them): one reused array spares an allocation per vector. */
  private plain(vector: ArrayLike<number>): number[] {
    const p = (this.scratch ??= new Array<number>(this.dim));
    for (let d = 0; d < this.dim; d++) p[d] = vector[d]!;
    return p;
  }

  /** The k nearest live vectors passing `filter`, best first: the best k of each shard's best k. */
  search(vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    if (this.size === 0 || k <= 0) return [];
    if (vector.length !== this.dim) throw new TypeError(`query of ${vector.length} dimensions for a ${this.dim}-d index`);
    const f = filter ? (label: number) => { const m = this.metas[label]; return m !== null && m !== undefined && filter(m); } : undefined;
    const hits: Array<VectorHit & { label: number }> = [];
    for (const native of this.natives) {
      // hnswlib refuses k > capacity; during a bulk build a shard may even be empty.
      const want = Math.min(k, this.size, native.getCurrentCount());
      if (want <= 0) continue;
      native.setEf(Math.max(this.params.efSearch, want));
      const res = native.searchKnn(vector, want, f);
      res.neighbors.forEach((label, i) => {
        const meta = this.metas[label];
        if (meta) hits.push({ meta, score: 1 - res.distances[i]!, label });
      });
    }
    // Ties by label, so the order does not depend on which shard answered first.
    hits.sort((a, b) => b.score - a.score || a.label - b.label);
    return hits.slice(0, k).map(({ meta, score }) => ({ meta, score }));
  }

  /** The graph file names of this index, one per shard: `base.hnsw` for one shard (as before shards), else `base.s<i>.hnsw`. */
  static graphNames(base: string, shards: number): string[] {
    return shards === 1 ? [`${base}.hnsw`] : Array.from({ length: shards }, (_, i) => `${base}.s${i}.hnsw`);
  }

  /**
   * Writes the graphs (`paths[s]` for shard s) and returns the label table as JSON, all in one
   * synchronous step so no add can slip in between (hnswlib's async write runs on another thread
   * while we keep adding).
   */
  writeSync(paths: readonly string[]): string {
    if (this.sink) throw new TypeError('the graphs are being built in workers; write them from there');
    this.checkShards(paths);
    this.natives.forEach((native, s) => {
      native.writeIndexSync(paths[s]!);
      this.files[s] = paths[s];
    });
    return this.labelsJson();
  }

  /**
   * Per shard, a file holding exactly its graph (for a bulk build's workers to start from):
   * undefined for an empty shard, the known file, or one written now to `scratch(shard)`.
   */
  graphFiles(scratch: (shard: number) => string): Array<string | undefined> {
    return this.natives.map((native, s) => {
      if (native.getCurrentCount() === 0) return undefined;
      const known = this.files[s];
      if (known) return known;
      const path = scratch(s);
      native.writeIndexSync(path);
      return path;
    });
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
   * Replaces the graphs with ones read from `paths` (a bulk build's result) and ends bulk mode.
   * `kept`: the files stay (a saved generation), so a later bulk build can start from them.
   */
  async swap(paths: readonly string[], kept: boolean): Promise<void> {
    this.checkShards(paths);
    this.natives = await this.readShards(paths, this.metas.length);
    this.files = paths.map((p) => (kept ? p : undefined));
    this.graphLabels = this.metas.length;
    this.sink = undefined;
  }

  /** Ends bulk mode without new graphs (the build failed; the caller drops this index). */
  endBulk(): void {
    this.sink = undefined;
  }

  /** Loads written graphs (one file per shard: their number is the index's shard count) and the labels. */
  static async read(model: string, dim: number, paths: readonly string[], metas: Array<VectorMeta | null>, params: HnswParams = DEFAULT_HNSW): Promise<HnswIndex> {
    const idx = new HnswIndex(model, dim, params, paths.length);
    idx.natives = await idx.readShards(paths, metas.length);
    idx.files = [...paths];
    idx.graphLabels = metas.length;
    metas.forEach((m, label) => {
      idx.metas.push(m);
      if (m) idx.labels.set(m.id, label);
      else idx.deleted += 1;
    });
    return idx;
  }

  /** Reads every shard's graph (in parallel, off this thread) and checks each holds its labels of 0 … n-1. */
  private async readShards(paths: readonly string[], n: number): Promise<NativeGraph[]> {
    const capacity = shardCapacity(this.params.initialCapacity, this.shards);
    const natives = await Promise.all(paths.map((p) => readGraph(p, this.dim, capacity, this.params)));
    natives.forEach((native, s) => {
      const want = labelsInShard(n, s, this.shards);
      if (native.getCurrentCount() !== want) throw new TypeError(`shard ${s} of ${this.shards}: a graph of ${native.getCurrentCount()} vectors for ${want} labels`);
      native.setEf(this.params.efSearch);
    });
    return natives;
  }

  private checkShards(paths: readonly string[]): void {
    if (paths.length !== this.shards) throw new TypeError(`${paths.length} graph files for an index of ${this.shards} shards`);
  }
}
