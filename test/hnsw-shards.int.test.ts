import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hnsw from 'hnswlib-node';
import { HnswIndex, type HnswParams, type VectorMeta } from '../adapters/vectors/hnsw-index.js';
import { VectorStore } from '../adapters/vectors/vector-store.js';
import { tempDir } from './helpers/temp-dir.js';
import { centredRandom, unitLength } from './helpers/prng.js';

const DIM = 16;
const params: HnswParams = { m: 8, efConstruction: 64, efSearch: 64, initialCapacity: 8, shards: 2 };
const meta = (i: number): VectorMeta => ({ id: `e:${i}`, type: 'observation', origin: 'n', at: i, kind: 'state' });

/** Deterministic unit vectors. */
function vectors(n: number, seed: number): number[][] {
  const next = centredRandom(seed);
  return Array.from({ length: n }, () => unitLength(Array.from({ length: DIM }, next)));
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** The labels in a written graph file, read back with hnswlib itself. */
function labelsIn(path: string): number[] {
  const native = new hnsw.HierarchicalNSW('ip', DIM);
  native.readIndexSync(path, false);
  return native.getIdsList().sort((a, b) => a - b);
}

t.test('label L lives in shard L % shards; the index grows past its initial capacity by each shard\'s count', async (t) => {
  const dir = tempDir(t);
  const idx = new HnswIndex('m', DIM, { ...params, shards: 3 });
  const vs = vectors(40, 1);
  vs.forEach((v, i) => idx.add(meta(i), v));
  t.equal(idx.shards, 3);
  t.equal(idx.graphCount, 40);
  // 8 split over 3 shards = 3 each; 14 labels in a shard need 16: 3 → 6 → 12 → 24 (13 and 13 need 24 too).
  t.equal(idx.capacity, 3 * 24);
  const paths = HnswIndex.graphNames(join(dir, 'g'), 3);
  t.same(paths.map((p) => p.slice(dir.length + 1)), ['g.s0.hnsw', 'g.s1.hnsw', 'g.s2.hnsw']);
  idx.writeSync(paths);
  for (let s = 0; s < 3; s++) t.same(labelsIn(paths[s]!), Array.from({ length: 40 }, (_, i) => i).filter((i) => i % 3 === s), `shard ${s}`);
  t.same(HnswIndex.graphNames('g', 1), ['g.hnsw'], 'one shard: the file name from before shards');
});

t.test('a search asks every shard and merges: the exact nearest neighbour is found whichever shard holds it', async (t) => {
  const idx = new HnswIndex('m', DIM, params);
  const vs = vectors(300, 2);
  vs.forEach((v, i) => idx.add(meta(i), v));
  const queries = vectors(40, 3);
  const shardsOfBest = new Set<number>();
  for (const q of queries) {
    const exact = vs.map((v, i) => ({ i, s: dot(v, q) })).sort((a, b) => b.s - a.s).slice(0, 5).map((x) => `e:${x.i}`);
    const hits = idx.search(q, 5);
    t.same(hits.map((h) => h.meta.id), exact);
    t.ok(hits.every((h, i) => i === 0 || hits[i - 1]!.score >= h.score), 'best first');
    shardsOfBest.add(Number(exact[0]!.slice(2)) % 2);
  }
  t.same([...shardsOfBest].sort(), [0, 1], 'the best hit came from either shard');
  t.same(idx.search(vs[7]!, 1).map((h) => h.meta.id), ['e:7'], 'a vector of shard 1 finds itself');
  t.same(idx.search(vs[8]!, 1).map((h) => h.meta.id), ['e:8'], 'a vector of shard 0 finds itself');
  const odd = idx.search(vs[8]!, 3, (m) => m.at % 2 === 1);
  t.equal(odd.length, 3);
  t.ok(odd.every((h) => h.meta.at % 2 === 1), 'a filter applies in every shard');
  t.equal(idx.search(vs[0]!, 1000).length, 300, 'k beyond a shard\'s count: all of them');
});

t.test('a removed vector is marked deleted in its own shard', async (t) => {
  const dir = tempDir(t);
  const idx = new HnswIndex('m', DIM, params);
  const vs = vectors(50, 4);
  vs.forEach((v, i) => idx.add(meta(i), v));
  t.ok(idx.remove('e:7'));
  t.ok(idx.remove('e:10'));
  t.notOk(idx.remove('e:7'), 'once');
  t.equal(idx.size, 48);
  t.not(idx.search(vs[7]!, 1)[0]?.meta.id, 'e:7');
  t.not(idx.search(vs[10]!, 1)[0]?.meta.id, 'e:10');
  const paths = HnswIndex.graphNames(join(dir, 'g'), 2);
  idx.writeSync(paths);
  const shard1 = new hnsw.HierarchicalNSW('ip', DIM);
  shard1.readIndexSync(paths[1]!, false);
  t.not(shard1.searchKnn(vs[7]!, 1).neighbors[0], 7, 'shard 1 holds label 7, deleted');
  t.throws(() => shard1.markDelete(7), 'already deleted there');
  const shard0 = new hnsw.HierarchicalNSW('ip', DIM);
  shard0.readIndexSync(paths[0]!, false);
  t.throws(() => shard0.markDelete(10), 'label 10 was deleted in shard 0');
  t.doesNotThrow(() => shard0.markDelete(12), 'a live label of shard 0 is not');
});

t.test('a store of 2-shard indexes saves and loads: one file per shard, the shard count in the checkpoint', async (t) => {
  const dir = tempDir(t);
  const store = new VectorStore(dir, params);
  const vs = vectors(120, 5);
  vs.forEach((v, i) => store.add('m', meta(i), v));
  store.add('other', meta(1000), vs[0]!.slice(0, 8));
  store.remove('e:3');
  await store.save(42);
  const cp = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as { generation: number; indexes: Array<{ file: string; shards: number }> };
  t.same(cp.indexes.map((i) => i.shards), [2, 2]);
  const gen = join(dir, `gen-${cp.generation}`);
  t.ok(existsSync(join(gen, `${cp.indexes[0]!.file}.s0.hnsw`)) && existsSync(join(gen, `${cp.indexes[0]!.file}.s1.hnsw`)));
  t.ok(existsSync(join(gen, `${cp.indexes[1]!.file}.s1.hnsw`)), 'an empty shard is written too');
  const queries = vectors(20, 6);
  const before = queries.map((q) => store.search('m', DIM, q, 10).map((h) => h.meta.id));

  const again = new VectorStore(dir, params);
  t.equal(await again.load(), 42);
  t.same(again.list(), store.list());
  t.same(queries.map((q) => again.search('m', DIM, q, 10).map((h) => h.meta.id)), before);
  t.notOk(again.search('m', DIM, vs[3]!, 10).some((h) => h.meta.id === 'e:3'), 'the removed one stays removed');
  t.equal(again.search('other', 8, vs[0]!.slice(0, 8), 1)[0]?.meta.id, 'e:1000');
  again.add('other', meta(1001), vs[1]!.slice(0, 8));
  t.equal(again.search('other', 8, vs[1]!.slice(0, 8), 1)[0]?.meta.id, 'e:1001', 'a shard read empty takes vectors');
  again.add('m', meta(500), vs[9]!.map((x) => -x));
  t.equal(again.search('m', DIM, vs[9]!.map((x) => -x), 1)[0]?.meta.id, 'e:500', 'a loaded index keeps growing');
});

t.test('a checkpoint from before shards (one graph, no shard count) still loads, searches and stays one shard', async (t) => {
  const dir = tempDir(t);
  const old = new VectorStore(dir, { ...params, shards: 1 });
  const vs = vectors(80, 7);
  vs.forEach((v, i) => old.add('m', meta(i), v));
  await old.save(9);
  // What an older version wrote: no `shards`, the graph in `${file}.hnsw`.
  const cpPath = join(dir, 'checkpoint.json');
  const cp = JSON.parse(readFileSync(cpPath, 'utf8')) as { generation: number; indexes: Array<{ file: string; shards?: number }> };
  for (const i of cp.indexes) delete i.shards;
  writeFileSync(cpPath, JSON.stringify(cp));
  t.ok(existsSync(join(dir, `gen-${cp.generation}`, `${cp.indexes[0]!.file}.hnsw`)));

  const store = new VectorStore(dir, params);
  t.equal(await store.load(), 9);
  const idx = store.index('m', DIM)!;
  t.equal(idx.shards, 1, 'the shard count of an index is the one it was built with');
  t.equal(idx.size, 80);
  t.equal(store.search('m', DIM, vs[5]!, 1)[0]?.meta.id, 'e:5');
  store.add('m', meta(80), vectors(1, 8)[0]!);
  store.add('new', meta(81), vs[0]!.slice(0, 4));
  t.equal(store.index('new', 4)!.shards, 2, 'a new index gets the configured shards');
  await store.save(10);
  const saved = JSON.parse(readFileSync(cpPath, 'utf8')) as { generation: number; indexes: Array<{ file: string; shards: number }> };
  t.same(saved.indexes.map((i) => i.shards), [1, 2]);
  t.ok(existsSync(join(dir, `gen-${saved.generation}`, `${saved.indexes[0]!.file}.hnsw`)));
});

t.test('a generation whose shard graphs do not match its labels is not loaded (the journal rebuilds it)', async (t) => {
  const dir = tempDir(t);
  const store = new VectorStore(dir, params);
  vectors(30, 9).forEach((v, i) => store.add('m', meta(i), v));
  await store.save(5);
  const cpPath = join(dir, 'checkpoint.json');
  const cp = JSON.parse(readFileSync(cpPath, 'utf8')) as { generation: number; indexes: Array<{ file: string }> };
  const gen = join(dir, `gen-${cp.generation}`);
  // A label table two short of its graphs (as a torn write could leave): shard 0 holds 15, the labels say 14.
  const labels = JSON.parse(readFileSync(join(gen, `${cp.indexes[0]!.file}.labels.json`), 'utf8')) as unknown[];
  writeFileSync(join(gen, `${cp.indexes[0]!.file}.labels.json`), JSON.stringify(labels.slice(0, 28)));
  const again = new VectorStore(dir, params);
  t.equal(await again.load(), 0);
  t.same(again.list(), []);
});
