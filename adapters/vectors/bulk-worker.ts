/**
 * The worker side of a bulk build: owns one native HNSW index per (model, dim) touched by the build,
 * applies the main thread's label operations in order and writes the graphs at the end. A native
 * index cannot be shared between threads, so the main thread reads the written files back.
 * Any failure is thrown: the main thread sees it as the worker's `error` event.
 */
import { parentPort } from 'node:worker_threads';
import hnsw from 'hnswlib-node';
import type { BulkReply, BulkRequest, IndexOps } from './bulk-messages.js';

const { HierarchicalNSW } = hnsw;
type Native = InstanceType<typeof HierarchicalNSW>;

const port = parentPort;
if (!port) throw new TypeError('bulk-worker.ts runs as a worker thread');
const indexes = new Map<string, { native: Native; dim: number }>();
const reply = (r: BulkReply) => port.postMessage(r);

function apply({ key, ops, vectors }: IndexOps): void {
  const idx = indexes.get(key);
  if (!idx) throw new TypeError(`no open index ${key}`);
  const { native, dim } = idx;
  // hnswlib-node takes plain arrays only; one reused array saves an allocation per vector.
  const point = new Array<number>(dim);
  let off = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op < 0) {
      native.markDelete(-op - 1);
      continue;
    }
    // Grow like the main thread does (doubling), so capacities match a direct build.
    let max = native.getMaxElements();
    if (op >= max) {
      while (op >= max) max *= 2;
      native.resizeIndex(max);
    }
    for (let d = 0; d < dim; d++) point[d] = vectors[off + d]!;
    off += dim;
    native.addPoint(point, op);
  }
}

port.on('message', (msg: BulkRequest) => {
  switch (msg.type) {
    case 'open': {
      const native = new HierarchicalNSW('ip', msg.dim);
      if (msg.from) native.readIndexSync(msg.from, false);
      else native.initIndex({ maxElements: msg.initialCapacity, m: msg.m, efConstruction: msg.efConstruction, randomSeed: 100 });
      indexes.set(msg.key, { native, dim: msg.dim });
      break;
    }
    case 'ops':
      for (const g of msg.groups) apply(g);
      reply({ type: 'applied' });
      break;
    case 'write':
      for (const f of msg.files) {
        const idx = indexes.get(f.key);
        if (!idx) throw new TypeError(`no open index ${f.key}`);
        idx.native.writeIndexSync(f.path);
      }
      reply({ type: 'written' });
      break;
    default:
      throw new TypeError(`unknown bulk request ${(msg as { type: string }).type}`);
  }
});
