import { Worker } from 'node:worker_threads';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { BulkReply, BulkRequest, IndexOps } from './bulk-messages.js';
import type { HnswParams } from './hnsw-index.js';

/**
 * The worker module next to this one: bulk-worker.ts under tsx (tests, benches), bulk-worker.js in
 * the compiled dist/ tree (`npm start`).
 */
export const BULK_WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './bulk-worker.ts' : './bulk-worker.js', import.meta.url);

/**
 * Starts the worker. A .ts module (tests and benches under tsx) needs tsx registered inside the
 * worker first: Node 20 workers get neither the parent's loader hooks nor, from `--import tsx` in
 * their execArgv, a loader for their .ts entry. The compiled .js needs nothing (tsx is a dev tool).
 */
function startWorker(url: URL): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true });
}

/** Vectors per index packed into one message (1,024 × 384-d = 1.5 MB). */
const BATCH_VECTORS = 1024;

interface Pending {
  readonly dim: number;
  ops: number[];
  vectors: Float32Array;
  filled: number;
}

/** Where label operations for one index go while a bulk build runs. */
export interface BulkSink {
  add(label: number, vector: ArrayLike<number>): void;
  remove(label: number): void;
}

/**
 * Main-thread side of a bulk build: packs label operations into transferred Float32Array batches,
 * in journal order, for a worker that owns the native indexes and inserts while this thread keeps
 * reading and decoding the journal. At most `maxInFlight` messages wait for the worker (the
 * caller awaits `drain`), so a fast reader does not pile the whole journal up in memory.
 *
 * Any failure of the worker (it threw, died, or could not start) becomes one SmolError
 * SMOL_VECTOR_INDEX_BUILD_FAILED, thrown by the next `drain`/`write`.
 */
export class BulkBuild {
  private readonly worker: Worker;
  private readonly pending = new Map<string, Pending>();
  private inFlight = 0;
  private writing = false;
  private finished = false;
  private failure: SmolError | undefined;
  private wake: Array<() => void> = [];

  constructor(
    private readonly params: HnswParams,
    workerUrl: URL = BULK_WORKER_URL,
    private readonly maxInFlight = 4,
  ) {
    this.worker = startWorker(workerUrl);
    this.worker.on('message', (r: BulkReply) => {
      if (r.type === 'applied') this.inFlight -= 1;
      else this.writing = false;
      this.notify();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('messageerror', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (!this.finished) this.fail(new Error(`the index worker exited with code ${code}`));
    });
    this.refresh();
  }

  /** Opens an index in the worker, empty or from a graph file equal to the main thread's index. */
  open(key: string, dim: number, from: string | undefined): BulkSink {
    this.post({ type: 'open', key, dim, m: this.params.m, efConstruction: this.params.efConstruction, initialCapacity: this.params.initialCapacity, ...(from ? { from } : {}) });
    return {
      add: (label, vector) => {
        const p = this.slot(key, dim);
        p.ops.push(label);
        p.vectors.set(vector, p.filled * dim);
        p.filled += 1;
        if (p.filled === BATCH_VECTORS) this.flush();
      },
      remove: (label) => {
        this.slot(key, dim).ops.push(-label - 1);
      },
    };
  }

  /** Sends what is packed and waits until at most `maxInFlight` messages are queued in the worker. */
  async drain(maxInFlight = this.maxInFlight): Promise<void> {
    this.flush();
    while (!this.failure && this.inFlight > maxInFlight) await new Promise<void>((resolve) => this.wake.push(resolve));
    if (this.failure) throw this.failure;
  }

  /** Applies everything sent, writes each index to its file and ends the worker. */
  async write(files: Array<{ key: string; path: string }>): Promise<void> {
    await this.drain(0);
    this.writing = true;
    this.post({ type: 'write', files });
    while (!this.failure && this.writing) await new Promise<void>((resolve) => this.wake.push(resolve));
    if (this.failure) throw this.failure;
    this.finished = true;
    await this.worker.terminate();
  }

  /** Ends the worker without waiting for its work. */
  async abort(): Promise<void> {
    this.finished = true;
    this.notify();
    await this.worker.terminate();
  }

  private slot(key: string, dim: number): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { dim, ops: [], vectors: new Float32Array(BATCH_VECTORS * dim), filled: 0 }));
    return p;
  }

  private flush(): void {
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

  private post(msg: BulkRequest, transfer: ArrayBuffer[] = []): void {
    if (this.failure || this.finished) return;
    this.worker.postMessage(msg, transfer);
    this.refresh();
  }

  private fail(err: unknown): void {
    if (this.failure || this.finished) return;
    const reason = err instanceof Error ? err.message : String(err);
    this.failure = new SmolError(ErrorCodes.VECTOR_INDEX_BUILD_FAILED, `building the vector index in a worker thread failed: ${reason}`, { cause: err });
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const w of wake) w();
    this.refresh();
  }

  /** The worker keeps the process alive only while it has work the main thread waits for. */
  private refresh(): void {
    if (this.inFlight > 0 || this.writing) this.worker.ref();
    else this.worker.unref();
  }
}
