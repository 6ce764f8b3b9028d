import { mkdir, readFile, rename, rm, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_HNSW, HnswIndex, type HnswParams, type VectorHit, type VectorMeta } from './hnsw-index.js';

const FORMAT = 1;

interface Checkpoint {
  readonly format: number;
  /** Journal position every index in this generation covers. */
  readonly position: number;
  readonly generation: number;
  readonly indexes: Array<{ model: string; dim: number; file: string }>;
}

/**
 * The vector indexes of a node, one per (model, dim), and their persistence. A save writes a new
 * generation directory (graphs + label tables) and then swaps the checkpoint file that names it,
 * so a crash leaves either the old or the new generation, never a mix.
 */
export class VectorStore {
  readonly indexes = new Map<string, HnswIndex>();
  position = 0;
  private generation = 0;

  constructor(
    /** Directory for the files; undefined keeps everything in memory. */
    private readonly dir: string | undefined,
    private readonly params: HnswParams = DEFAULT_HNSW,
  ) {}

  static key(model: string, dim: number): string {
    return `${model}#${dim}`;
  }

  index(model: string, dim: number, create = false): HnswIndex | undefined {
    const key = VectorStore.key(model, dim);
    let idx = this.indexes.get(key);
    if (!idx && create) this.indexes.set(key, (idx = new HnswIndex(model, dim, this.params)));
    return idx;
  }

  add(model: string, meta: VectorMeta, vector: number[]): void {
    this.index(model, vector.length, true)!.add(meta, vector);
  }

  /** Marks an id deleted in every index that has it. */
  remove(id: string): void {
    for (const idx of this.indexes.values()) idx.remove(id);
  }

  search(model: string, dim: number, vector: number[], k: number, filter?: (meta: VectorMeta) => boolean): VectorHit[] {
    return this.index(model, dim)?.search(vector, k, filter) ?? [];
  }

  /** (model, dim, size) of every index. */
  list(): Array<{ model: string; dim: number; size: number; capacity: number }> {
    return [...this.indexes.values()].map((i) => ({ model: i.model, dim: i.dim, size: i.size, capacity: i.capacity }));
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
      for (const i of cp.indexes) {
        const metas = JSON.parse(await readFile(join(gen, `${i.file}.labels.json`), 'utf8')) as Array<VectorMeta | null>;
        this.indexes.set(VectorStore.key(i.model, i.dim), await HnswIndex.read(i.model, i.dim, join(gen, `${i.file}.hnsw`), metas, this.params));
      }
    } catch {
      // A damaged generation: start over from the journal.
      this.indexes.clear();
      return 0;
    }
    this.generation = cp.generation;
    this.position = cp.position;
    return cp.position;
  }

  /** Persists every index as a new generation covering `position`. */
  async save(position: number): Promise<void> {
    this.position = position;
    if (!this.dir) return;
    const generation = this.generation + 1;
    const gen = join(this.dir, `gen-${generation}`);
    await rm(gen, { recursive: true, force: true });
    await mkdir(gen, { recursive: true });
    const indexes: Checkpoint['indexes'] = [];
    let n = 0;
    for (const idx of this.indexes.values()) {
      const file = `index-${n++}`;
      const labels = idx.writeSync(join(gen, `${file}.hnsw`));
      await writeFile(join(gen, `${file}.labels.json`), labels);
      indexes.push({ model: idx.model, dim: idx.dim, file });
    }
    const cp: Checkpoint = { format: FORMAT, position, generation, indexes };
    await writeFile(join(this.dir, 'checkpoint.json.tmp'), JSON.stringify(cp));
    await rename(join(this.dir, 'checkpoint.json.tmp'), join(this.dir, 'checkpoint.json'));
    this.generation = generation;
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('gen-') && name !== `gen-${generation}`) await rm(join(this.dir, name), { recursive: true, force: true });
    }
  }

  /** Forgets everything, on disk too. */
  async clear(): Promise<void> {
    this.indexes.clear();
    this.position = 0;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
