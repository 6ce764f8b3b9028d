/**
 * What the main thread's HnswIndex and the bulk build's worker must do alike with a native graph
 * (one shard), so a bulk build and a build on the main thread give the same graphs.
 */
import hnsw from 'hnswlib-node';

const { HierarchicalNSW } = hnsw;

export type NativeGraph = InstanceType<typeof HierarchicalNSW>;

/** The graph settings a shard is created with. */
export interface GraphParams {
  readonly m: number;
  readonly efConstruction: number;
}

/** The shard of a label. Labels stay global (positions in the label table); hnswlib takes any label. */
export function shardOf(label: number, shards: number): number {
  return label % shards;
}

/** How many of the labels 0 … n-1 live in `shard`. */
export function labelsInShard(n: number, shard: number, shards: number): number {
  return n > shard ? Math.ceil((n - shard) / shards) : 0;
}

/** A shard's first capacity: the configured capacity is for the whole index, split across its shards. */
export function shardCapacity(initialCapacity: number, shards: number): number {
  return Math.max(1, Math.ceil(initialCapacity / shards));
}

/** An empty shard. The seed is fixed so that the same inserts in the same order give the same graph. */
export function createGraph(dim: number, capacity: number, params: GraphParams): NativeGraph {
  const native = new HierarchicalNSW('ip', dim);
  native.initIndex({ maxElements: capacity, m: params.m, efConstruction: params.efConstruction, randomSeed: 100 });
  return native;
}

/**
 * Makes room for one more vector, doubling when full. By count, not by label: a shard's labels run
 * up to `shards` times its count. (getCurrentCount includes vectors marked deleted: they keep their slot.)
 */
export function makeRoom(native: NativeGraph): void {
  const max = native.getMaxElements();
  if (native.getCurrentCount() >= max) native.resizeIndex(Math.max(1, max * 2));
}

/**
 * Reads a graph file. hnswlib sizes a graph it reads to the vectors in it, so an empty shard (an
 * index with fewer vectors than shards) would have room for none: that one starts afresh instead.
 */
export async function readGraph(path: string, dim: number, capacity: number, params: GraphParams): Promise<NativeGraph> {
  const native = new HierarchicalNSW('ip', dim);
  await native.readIndex(path, false);
  return native.getCurrentCount() === 0 ? createGraph(dim, capacity, params) : native;
}
