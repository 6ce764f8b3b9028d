/**
 * The worker side of a bulk build: owns the native graphs of the index shards given to it (one
 * per `open`), applies the main thread's label operations in order and writes the graphs at the
 * end. A native graph cannot be shared between threads, so the main thread reads the written files
 * back. Any failure is thrown: the main thread sees it as the worker's `error` event.
 */
import { parentPort, workerData } from 'node:worker_threads';
import hnsw from 'hnswlib-node';
import type { BulkReply, BulkRequest, BulkWorkerData, IndexOps } from './bulk-messages.js';
import { createGraph, makeRoom, type NativeGraph } from './hnsw-native.js';

const { HierarchicalNSW } = hnsw;

const port = parentPort;
if (!port) throw new TypeError('bulk-worker.ts runs as a worker thread');
const shards = new Map<string, { native: NativeGraph; dim: number }>();
const reply = (r: BulkReply) => port.postMessage(r);
const { stop } = workerData as BulkWorkerData;
/** The main thread gave up on this build: skip the rest of the work and wait for `close`. */
const stopped = () => Atomics.load(stop, 0) === 1;

function apply({ key, ops, vectors }: IndexOps): void {
  const shard = shards.get(key);
  if (!shard) throw new TypeError(`no open shard ${key}`);
  const { native, dim } = shard;
  // hnswlib-node takes plain arrays only; one reused array saves an allocation per vector.
  const point = new Array<number>(dim);
  let off = 0;
  for (let i = 0; i < ops.length; i++) {
    if (stopped()) return;
    const op = ops[i]!;
    if (op < 0) {
      native.markDelete(-op - 1);
      continue;
    }
    // Grow as the main thread does, so capacities match a build there.
    makeRoom(native);
    for (let d = 0; d < dim; d++) point[d] = vectors[off + d]!;
    off += dim;
    native.addPoint(point, op);
  }
}

port.on('message', (msg: BulkRequest) => {
  switch (msg.type) {
    case 'open': {
      let native: NativeGraph;
      if (msg.from) {
        native = new HierarchicalNSW('ip', msg.dim);
        native.readIndexSync(msg.from, false);
      } else {
        native = createGraph(msg.dim, msg.initialCapacity, msg);
      }
      shards.set(msg.key, { native, dim: msg.dim });
      break;
    }
    case 'ops':
      for (const g of msg.groups) apply(g);
      if (stopped()) break;
      reply({ type: 'applied' });
      break;
    case 'write':
      for (const f of msg.files) {
        const shard = shards.get(f.key);
        if (!shard) throw new TypeError(`no open shard ${f.key}`);
        shard.native.writeIndexSync(f.path);
      }
      reply({ type: 'written' });
      break;
    case 'close':
      // Ends this thread from JS, between hnswlib calls (a loader hook, under tsx, would keep it alive
      // after a mere port.close()).
      process.exit(0);
    default:
      throw new TypeError(`unknown bulk request ${(msg as { type: string }).type}`);
  }
});
