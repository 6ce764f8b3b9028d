import { Worker } from 'node:worker_threads';
import type { BulkReply, BulkRequest, BulkWorkerData, IndexOps, OpenIndex, WriteIndexes } from './bulk-messages.js';

/**
 * Starts a worker. A .ts module (tests and benches under tsx) needs tsx registered inside the
 * worker first: Node 20 workers get neither the parent's loader hooks nor, from `--import tsx` in
 * their execArgv, a loader for their .ts entry. The compiled .js needs nothing (tsx is a dev tool).
 */
function startWorker(url: URL, workerData: BulkWorkerData): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData });
}

/** How long a worker may take to end by itself before it is terminated anyway (a hung native call). */
const CLOSE_TIMEOUT_MS = 30_000;

/** Vectors per shard packed into one message (1,024 × 384-d = 1.5 MB). */
const BATCH_VECTORS = 1024;

interface Pending {
  readonly dim: number;
  ops: number[];
  vectors: Float32Array;
  filled: number;
}

/**
 * One worker thread of a bulk build and the main thread's side of it: the shards it owns get their
 * label operations packed into transferred Float32Array batches, in journal order per shard. It
 * only counts what it sent and what came back; BulkBuild decides when to wait, and learns of a
 * failure (the worker threw, died, or could not start) through `onFail`.
 */
export class BulkLane {
  private readonly worker: Worker;
  private readonly pending = new Map<string, Pending>();
  /** `ops` messages the worker has not applied yet. */
  inFlight = 0;
  /** A `write` was sent and not answered. */
  writing = false;
  /** Set once the worker's end is expected (or its failure already reported): an exit is no news. */
  private closed = false;

  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private readonly exited: Promise<void>;

  constructor(workerUrl: URL, onChange: () => void, onFail: (err: unknown) => void) {
    this.worker = startWorker(workerUrl, { stop: this.stop });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', (r: BulkReply) => {
      if (r.type === 'applied') this.inFlight -= 1;
      else this.writing = false;
      this.refresh();
      onChange();
    });
    const fail = (err: unknown) => {
      if (!this.closed) onFail(err);
    };
    this.worker.on('error', fail);
    this.worker.on('messageerror', fail);
    this.worker.on('exit', (code) => fail(new Error(`an index worker exited with code ${code}`)));
    this.refresh();
  }

  open(msg: OpenIndex): void {
    this.post(msg);
  }

  /** Queues an insert for shard `key`; a full batch sends everything packed. */
  add(key: string, dim: number, label: number, vector: ArrayLike<number>): void {
    const p = this.slot(key, dim);
    p.ops.push(label);
    p.vectors.set(vector, p.filled * dim);
    p.filled += 1;
    if (p.filled === BATCH_VECTORS) this.flush();
  }

  remove(key: string, dim: number, label: number): void {
    this.slot(key, dim).ops.push(-label - 1);
  }

  /** Sends what is packed, one message for all its shards. */
  flush(): void {
    const groups: IndexOps[] = [];
    const transfer: ArrayBuffer[] = [];
    for (const [key, p] of this.pending) {
      if (p.ops.length === 0) continue;
      const vectors = p.vectors.subarray(0, p.filled * p.dim);
      groups.push({ key, ops: Int32Array.from(p.ops), vectors });
      transfer.push(vectors.buffer as ArrayBuffer);
      this.pending.delete(key);
    }
    if (groups.length === 0) return;
    this.inFlight += 1;
    this.post({ type: 'ops', groups }, transfer);
  }

  /** Asks the worker to write its shards (after everything sent); `writing` clears when it has. */
  write(files: WriteIndexes['files']): void {
    this.writing = true;
    this.post({ type: 'write', files });
  }

  /**
   * Ends the worker; from now on nothing is sent and its exit is not a failure. The worker skips
   * what it has not applied and exits by itself: terminating a thread inside an hnswlib call (a
   * graph being created, a point added) aborts the whole process.
   */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    Atomics.store(this.stop, 0, 1);
    this.worker.postMessage({ type: 'close' } satisfies BulkRequest);
    this.worker.ref();
    const hung = setTimeout(() => void this.worker.terminate(), CLOSE_TIMEOUT_MS);
    await this.exited;
    clearTimeout(hung);
  }

  private slot(key: string, dim: number): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { dim, ops: [], vectors: new Float32Array(BATCH_VECTORS * dim), filled: 0 }));
    return p;
  }

  private post(msg: BulkRequest, transfer: ArrayBuffer[] = []): void {
    if (this.closed) return;
    this.worker.postMessage(msg, transfer);
    this.refresh();
  }

  /** The worker keeps the process alive only while it has work the main thread waits for. */
  private refresh(): void {
    if (!this.closed && (this.inFlight > 0 || this.writing)) this.worker.ref();
    else this.worker.unref();
  }
}
