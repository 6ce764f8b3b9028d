import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { writeFileAtomic } from '../files/atomic-file.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import { BulkBuild, type BulkBuildOptions } from './bulk-build.js';
import { DEFAULT_HNSW, HnswIndex, type HnswParams, type VectorHit, type VectorMeta } from './hnsw-index.js';
import { EvictionQueue, evictsBefore, type HeldVector } from './eviction-queue.js';
import type { VectorCoverage } from './vector-coverage.js';

export { coverageNote, type VectorCoverage } from './vector-coverage.js';

const FORMAT = 1;
/** Vector events the projection applies at most between two compaction checks (its subscription's batch). */
export const MAX_BATCH = 2048;

interface Checkpoint {
  readonly format: number;
  /** Journal position every index in this generation covers. */
  readonly position: number;
  readonly generation: number;
  /** `shards` is absent in checkpoints from before shards: one graph, `${file}.hnsw`. */
  readonly indexes: Array<{ model: string; dim: number; file: string; shards?: number }>;
}

/** A graph written (or to be written) by the workers: `paths[s]` for shard s of the index `key`. */
type GraphFiles = { key: string; paths: string[] };

interface Bulk {
  readonly build: BulkBuild;
  /** Indexes whose graph work goes to the workers, by key. */
  readonly attached: Map<string, HnswIndex>;
  /** Scratch directory for start graphs (and, without a store directory, the result). */
  tmp: string | undefined;
}

/**
 * The vector indexes of a node, one per (model, dim), and their persistence. A save writes a new
 * generation directory (graphs + label tables) and then swaps the checkpoint file that names it,
 * so a crash leaves either the old or the new generation, never a mix.
 *
 * A bulk build (beginBulk … finishBulk) inserts in worker threads, one per shard up to the cores;
 * its end is a save whose graphs the workers write, and which the indexes then read back in place
 * of their own.
 *
 * At most `maxVectors` vectors are held, all indexes together: over it, the one that leaves is the
 * oldest observation (by event time, then id), or the oldest memory when only memories are left —
 * and a newcomer that would itself be first to leave is not indexed. So the indexes hold the newest
 * observations and the memories, and the choice depends only on the events in journal order: a
 * live node, a restart from the files, a bulk build and a rebuild from position 1 end with the same
 * set. A vector that leaves is only marked deleted in its graph; once an index's deleted slots
 * reach a quarter of the cap, `compact` builds it anew from its live vectors, so an index's graphs
 * hold at most the cap and a quarter (plus one delivered batch).
 */
export class VectorStore {
  readonly indexes = new Map<string, HnswIndex>();
  position = 0;
  private generation = 0;
  private bulk: Bulk | undefined;
  private readonly held = new EvictionQueue();
  private evicted = 0;
  /** Failed compactions in a row: each one waits for another quarter of the cap before the next try. */
  private compactFailures = 0;

  constructor(
    /** Directory for the files; undefined keeps everything in memory. */
    private readonly dir: string | undefined,
    private readonly params: HnswParams = DEFAULT_HNSW,
    /** Most vectors held, all indexes together (Infinity: no cap). */
    readonly maxVectors = Infinity,
  ) {
    if (!(maxVectors >= 1)) throw new TypeError(`a vector store holds at least one vector, not ${maxVectors}`);
  }

  static key(model: string, dim: number): string {
    return `${model}#${dim}`;
  }

  index(model: string, dim: number, create = false): HnswIndex | undefined {
    const key = VectorStore.key(model, dim);
    let idx = this.indexes.get(key);
    if (!idx && create) this.indexes.set(key, (idx = new HnswIndex(model, dim, this.params)));
    return idx;
  }

  /** Indexes a vector, making room under the cap (or not indexing it, when it would be first to leave). */
  add(model: string, meta: VectorMeta, vector: ArrayLike<number>): void {
    if (this.held.has(meta.id)) return;
    const key = VectorStore.key(model, vector.length);
    const entry: HeldVector = { id: meta.id, type: meta.type, at: meta.at, key };
    if (this.held.size >= this.maxVectors) {
      const first = this.held.peek()!;
      this.evicted += 1;
      if (evictsBefore(entry, first)) return;
      this.drop(first.id);
    }
    const idx = this.index(model, vector.length, true)!;
    if (this.bulk) this.attach(this.bulk, idx);
    idx.add(meta, vector);
    this.held.push(entry);
  }

  /** Marks an id deleted in the index that has it (a forgotten memory). */
  remove(id: string): void {
    this.drop(id);
  }

  private drop(id: string): void {
    const v = this.held.delete(id);
    const idx = v && this.indexes.get(v.key);
    if (!idx) return;
    if (this.bulk) this.attach(this.bulk, idx);
    idx.remove(id);
  }

  /** Deleted slots an index may carry before it is compacted (a quarter of the cap; none without a cap). */
  get compactSlack(): number {
    return Number.isFinite(this.maxVectors) ? Math.max(1, Math.ceil(this.maxVectors / 4)) * (1 + this.compactFailures) : Infinity;
  }

  /** True when an index carries enough deleted slots to be compacted (`compact`). */
  compactionDue(): boolean {
    const slack = this.compactSlack;
    for (const idx of this.indexes.values()) if (idx.slots - idx.size >= slack) return true;
    return false;
  }

  /**
   * Builds every index due for it anew from its live vectors (same ids and metas, dense labels) and
   * saves a generation covering `position`; an index left empty is dropped. On this thread, a slice
   * of vectors per turn of the event loop, so it stays responsive; searches answer from the old
   * graphs until the new ones replace them, whose memory is then freed at once. Nothing may be
   * added or removed meanwhile (the projection awaits this between two batches). (Worker threads,
   * as a bulk build uses, were tried: each compaction's isolates left 40–130 MB of RSS behind.)
   */
  async compact(position: number, slice = 256): Promise<void> {
    if (this.bulk) throw new TypeError('a bulk build is running');
    const slack = this.compactSlack;
    try {
      for (const [key, old] of [...this.indexes]) {
        if (old.slots - old.size < slack) continue;
        // Sized up front to what doubling would reach: no chain of reallocations (each one frees a
        // large block that glibc's default malloc then keeps in its heap, fragmented).
        let perShard = Math.max(1, Math.ceil(this.params.initialCapacity / old.shards));
        while (perShard < Math.ceil(old.size / old.shards)) perShard *= 2;
        const fresh = new HnswIndex(old.model, old.dim, { ...this.params, initialCapacity: perShard * old.shards }, old.shards);
        let n = 0;
        for (const [meta, vector] of old.entries()) {
          fresh.add(meta, vector);
          if (++n % slice === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (fresh.size === 0) this.indexes.delete(key);
        else this.indexes.set(key, fresh);
        old.release();
      }
      await this.save(position);
      this.compactFailures = 0;
    } catch (err) {
      this.compactFailures += 1;
      throw err;
    }
  }

  /** What the indexes hold against the cap. */
  coverage(): VectorCoverage {
    const observations = this.held.observations;
    return {
      indexed: this.held.size, observations, memories: this.held.size - observations, maxVectors: this.maxVectors,
      oldestObservationAt: this.held.oldestObservation()?.at, evicted: this.evicted,
    };
  }

  /** True between beginBulk and finishBulk/abortBulk. */
  get bulkActive(): boolean {
    return this.bulk !== undefined;
  }

  /**
   * From now on, inserts and deletes go to worker threads (see BulkBuild) and the graphs searched
   * stay as they are; labels are still assigned here. No save until finishBulk.
   */
  beginBulk(options: BulkBuildOptions = {}): void {
    if (this.bulk) return;
    this.bulk = { build: new BulkBuild(this.params, options), attached: new Map(), tmp: undefined };
  }

  /** Sends what is packed to the workers and waits while one is too far behind. Throws SMOL_VECTOR_INDEX_BUILD_FAILED. */
  async bulkFlush(): Promise<void> {
    await this.bulk?.build.drain();
  }

  /**
   * Ends a bulk build: the workers apply what is left and write their graphs — as a new saved
   * generation covering `position` when the store has a directory — and the indexes read them in.
   * Throws SMOL_VECTOR_INDEX_BUILD_FAILED; then nothing was saved and the in-memory indexes are
   * inconsistent: call `reload`.
   */
  async finishBulk(position: number): Promise<void> {
    const bulk = this.bulk;
    if (!bulk) return;
    try {
      const graphs: GraphFiles[] = [];
      if (this.dir) {
        await this.writeGeneration(position, bulk.attached, async (files) => {
          graphs.push(...files);
          await bulk.build.write(files);
        });
      } else {
        const tmp = this.bulkTmp(bulk);
        let n = 0;
        for (const [key, idx] of bulk.attached) graphs.push({ key, paths: HnswIndex.graphNames(join(tmp, `result-${n++}`), idx.shards) });
        await bulk.build.write(graphs);
        this.position = position;
      }
      for (const { key, paths } of graphs) await bulk.attached.get(key)!.swap(paths, this.dir !== undefined);
    } catch (err) {
      await bulk.build.abort();
      for (const idx of bulk.attached.values()) idx.endBulk();
      throw isSmolError(err) ? err : new SmolError(ErrorCodes.VECTOR_INDEX_BUILD_FAILED, `finishing the vector index build failed: ${(err as Error).message}`, { cause: err });
    } finally {
      this.bulk = undefined;
      if (bulk.tmp) rmSync(bulk.tmp, { recursive: true, force: true });
    }
  }

  /** Drops a bulk build (the workers are ended); the in-memory indexes are inconsistent: call `reload`. */
  async abortBulk(): Promise<void> {
    const bulk = this.bulk;
    if (!bulk) return;
    this.bulk = undefined;
    for (const idx of bulk.attached.values()) idx.endBulk();
    await bulk.build.abort();
    if (bulk.tmp) rmSync(bulk.tmp, { recursive: true, force: true });
  }

  /** Drops the in-memory indexes and loads the last saved generation; returns its position. */
  async reload(): Promise<number> {
    await this.abortBulk();
    this.indexes.clear();
    this.held.clear();
    this.position = 0;
    return this.load();
  }

  /** Opens `idx` in the workers at its first change in a bulk build, from files of its graphs. */
  private attach(bulk: Bulk, idx: HnswIndex): void {
    const key = VectorStore.key(idx.model, idx.dim);
    if (bulk.attached.has(key)) return;
    const from = idx.graphFiles((s) => join(this.bulkTmp(bulk), `start-${bulk.attached.size}.s${s}.hnsw`));
    idx.startBulk(bulk.build.open(key, idx.dim, idx.shards, from));
    bulk.attached.set(key, idx);
  }

  private bulkTmp(bulk: Bulk): string {
    if (!bulk.tmp) {
      if (this.dir) {
        bulk.tmp = join(this.dir, 'bulk');
        rmSync(bulk.tmp, { recursive: true, force: true });
        mkdirSync(bulk.tmp, { recursive: true });
      } else {
        bulk.tmp = mkdtempSync(join(tmpdir(), 'smollama-vectors-'));
      }
    }
    return bulk.tmp;
  }

  search(model: string, dim: number, vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    return this.index(model, dim)?.search(vector, k, filter) ?? [];
  }

  /** (model, dim, size) of every index; `slots`: live and deleted vectors in its graphs, `capacity`: room in them. */
  list(): Array<{ model: string; dim: number; size: number; slots: number; capacity: number }> {
    return [...this.indexes.values()].map((i) => ({ model: i.model, dim: i.dim, size: i.size, slots: i.slots, capacity: i.capacity }));
  }

  /** Loads the last saved generation; returns the journal position it covers (0 when none). */
  async load(): Promise<number> {
    if (!this.dir) return 0;
    let cp: Checkpoint;
    try {
      cp = JSON.parse(await readFile(join(this.dir, 'checkpoint.json'), 'utf8')) as Checkpoint;
    } catch {
      return 0;
    }
    if (cp.format !== FORMAT) return 0;
    const gen = join(this.dir, `gen-${cp.generation}`);
    try {
      const tables: Array<[Checkpoint['indexes'][number], Array<VectorMeta | null>]> = [];
      for (const i of cp.indexes) tables.push([i, JSON.parse(await readFile(join(gen, `${i.file}.labels.json`), 'utf8')) as Array<VectorMeta | null>]);
      // Saved before there was a cap, or under a higher one: more vectors than the cap, or graphs far
      // wider than a capped index ever gets (the cap, its compaction slack, one delivered batch).
      // Rebuilt from the journal instead, once, so the set is exactly the one a capped node keeps.
      const live = tables.reduce((a, [, metas]) => a + metas.filter((m) => m !== null).length, 0);
      if (live > this.maxVectors || tables.some(([, metas]) => metas.length > this.maxVectors + this.compactSlack + MAX_BATCH)) return 0;
      for (const [i, metas] of tables) {
        const paths = HnswIndex.graphNames(join(gen, i.file), i.shards ?? 1);
        const key = VectorStore.key(i.model, i.dim);
        this.indexes.set(key, await HnswIndex.read(i.model, i.dim, paths, metas, this.params));
        for (const m of metas) if (m) this.held.push({ id: m.id, type: m.type, at: m.at, key });
      }
    } catch {
      // A damaged generation: start over from the journal.
      this.indexes.clear();
      this.held.clear();
      return 0;
    }
    this.generation = cp.generation;
    this.position = cp.position;
    return cp.position;
  }

  /** Persists every index as a new generation covering `position`. */
  async save(position: number): Promise<void> {
    if (this.bulk) throw new TypeError('a bulk build is running: finishBulk saves');
    this.position = position;
    if (!this.dir) return;
    await this.writeGeneration(position, new Map(), async () => undefined);
  }

  /**
   * Writes generation + 1 covering `position`: the graphs of `byWorker` through `writeGraphs`, the
   * others from here, every label table, and last the checkpoint that names it.
   */
  private async writeGeneration(
    position: number,
    byWorker: ReadonlyMap<string, HnswIndex>,
    writeGraphs: (files: GraphFiles[]) => Promise<void>,
  ): Promise<void> {
    const dir = this.dir!;
    const generation = this.generation + 1;
    const gen = join(dir, `gen-${generation}`);
    await rm(gen, { recursive: true, force: true });
    await mkdir(gen, { recursive: true });
    const indexes: Checkpoint['indexes'] = [];
    const workerFiles: GraphFiles[] = [];
    const labels: Array<[string, string]> = [];
    let n = 0;
    for (const [key, idx] of this.indexes) {
      const file = `index-${n++}`;
      const paths = HnswIndex.graphNames(join(gen, file), idx.shards);
      if (byWorker.has(key)) {
        workerFiles.push({ key, paths });
        labels.push([file, idx.labelsJson()]);
      } else {
        labels.push([file, idx.writeSync(paths)]);
      }
      indexes.push({ model: idx.model, dim: idx.dim, file, shards: idx.shards });
    }
    try {
      if (workerFiles.length > 0) await writeGraphs(workerFiles);
      for (const [file, json] of labels) await writeFile(join(gen, `${file}.labels.json`), json);
      const cp: Checkpoint = { format: FORMAT, position, generation, indexes };
      await writeFileAtomic(join(dir, 'checkpoint.json'), JSON.stringify(cp));
    } catch (err) {
      // The checkpoint still names the previous generation: this one is only debris.
      await rm(gen, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    this.generation = generation;
    this.position = position;
    for (const name of await readdir(dir)) {
      if (name.startsWith('gen-') && name !== `gen-${generation}`) await rm(join(dir, name), { recursive: true, force: true });
    }
  }

  /** Forgets everything, on disk too. */
  async clear(): Promise<void> {
    await this.abortBulk();
    this.indexes.clear();
    this.held.clear();
    this.position = 0;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
