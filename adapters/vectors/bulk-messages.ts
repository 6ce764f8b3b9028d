/**
 * The messages between a bulk build (main thread) and one of its workers (bulk-worker.ts). A `key`
 * names one shard of one index (`<model>#<dim>/<shard>`); each shard lives in one worker.
 */

/** Opens one shard's native graph in the worker: empty, or read from a graph file of the main thread's. */
export interface OpenIndex {
  readonly type: 'open';
  readonly key: string;
  readonly dim: number;
  readonly m: number;
  readonly efConstruction: number;
  /** Of this shard. */
  readonly initialCapacity: number;
  /** A graph file holding exactly the main thread's shard when the build started; none = empty. */
  readonly from?: string;
}

/**
 * Operations on one shard, in journal order. `ops[i] >= 0` adds label `ops[i]` with the next `dim`
 * floats of `vectors`; `ops[i] < 0` marks label `-ops[i] - 1` deleted.
 */
export interface IndexOps {
  readonly key: string;
  readonly ops: Int32Array;
  readonly vectors: Float32Array;
}

export interface ApplyOps {
  readonly type: 'ops';
  readonly groups: readonly IndexOps[];
}

/** Writes the shards named to their files; the worker answers `written` and has nothing left to do. */
export interface WriteIndexes {
  readonly type: 'write';
  readonly files: ReadonlyArray<{ readonly key: string; readonly path: string }>;
}

/**
 * Ends the worker: the thread exits by itself, between two hnswlib calls. (Never `terminate()` it: a
 * thread stopped inside an hnswlib call aborts the whole process, a fatal napi_throw.)
 */
export interface CloseWorker {
  readonly type: 'close';
}

export type BulkRequest = OpenIndex | ApplyOps | WriteIndexes | CloseWorker;

/** workerData of a bulk worker: `stop[0]` set to 1 tells it to skip whatever it has not applied yet. */
export interface BulkWorkerData {
  readonly stop: Int32Array;
}

export type BulkReply = { readonly type: 'applied' } | { readonly type: 'written' };
