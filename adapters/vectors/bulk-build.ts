import { availableParallelism } from 'node:os';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { BulkLane } from './bulk-lane.js';
import type { HnswParams } from './hnsw-index.js';
import { shardCapacity, shardOf } from './hnsw-native.js';

/**
 * The worker module next to this one: bulk-worker.ts under tsx (tests, benches), bulk-worker.js in
 * the compiled dist/ tree (`npm start`).
 */
export const BULK_WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './bulk-worker.ts' : './bulk-worker.js', import.meta.url);

/** Where label operations for one index go while a bulk build runs. */
export interface BulkSink {
  add(label: number, vector: ArrayLike<number>): void;
  remove(label: number): void;
}

export interface BulkBuildOptions {
  /** The worker module (default BULK_WORKER_URL). */
  readonly workerUrl?: URL | undefined;
  /** Worker threads at most (default: the configured shards, up to the cores). */
  readonly workers?: number | undefined;
  /** Batches waiting in one worker before `drain` waits (default 4). */
  readonly maxInFlight?: number | undefined;
}

/** The name of one shard of an index in the workers. */
const shardKey = (key: string, shard: number) => `${key}/${shard}`;

/**
 * Main-thread side of a bulk build: the shards of the indexes are spread over up to `workers`
 * worker threads (shard s on worker s % workers, started at its first shard), each owning its
 * shards' native graphs and inserting in parallel with the others while this thread keeps reading
 * and decoding the journal. Operations reach each shard in journal order. At most `maxInFlight`
 * batches wait in any one worker (the caller awaits `drain`), so a fast reader does not pile the
 * whole journal up in memory.
 *
 * Any failure of any worker (it threw, died, or could not start) ends them all and becomes one
 * SmolError SMOL_VECTOR_INDEX_BUILD_FAILED, thrown by the next `drain`/`write`.
 */
export class BulkBuild {
  private readonly lanes: Array<BulkLane | undefined>;
  private finished = false;
  private failure: SmolError | undefined;
  private wake: Array<() => void> = [];

  private readonly workerUrl: URL;
  private readonly maxInFlight: number;

  constructor(
    private readonly params: HnswParams,
    options: BulkBuildOptions = {},
  ) {
    this.workerUrl = options.workerUrl ?? BULK_WORKER_URL;
    this.maxInFlight = options.maxInFlight ?? 4;
    const workers = options.workers ?? Math.min(params.shards, availableParallelism());
    if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`a bulk build needs a whole number of workers ≥ 1, not ${workers}`);
    this.lanes = new Array<BulkLane | undefined>(workers).fill(undefined);
  }

  /**
   * Opens an index of `shards` shards in the workers; `from[s]` is a graph file equal to the main
   * thread's shard s, or undefined for an empty one.
   */
  open(key: string, dim: number, shards: number, from: ReadonlyArray<string | undefined>): BulkSink {
    const lanes: BulkLane[] = [];
    const keys: string[] = [];
    for (let s = 0; s < shards; s++) {
      const lane = this.lane(s);
      const f = from[s];
      keys.push(shardKey(key, s));
      lane.open({ type: 'open', key: keys[s]!, dim, m: this.params.m, efConstruction: this.params.efConstruction, initialCapacity: shardCapacity(this.params.initialCapacity, shards), ...(f ? { from: f } : {}) });
      lanes.push(lane);
    }
    return {
      add: (label, vector) => {
        const s = shardOf(label, shards);
        lanes[s]!.add(keys[s]!, dim, label, vector);
      },
      remove: (label) => {
        const s = shardOf(label, shards);
        lanes[s]!.remove(keys[s]!, dim, label);
      },
    };
  }

  /** Sends what is packed and waits until at most `maxInFlight` messages are queued in each worker. */
  async drain(maxInFlight = this.maxInFlight): Promise<void> {
    for (const lane of this.started()) lane.flush();
    await this.until(() => this.started().every((lane) => lane.inFlight <= maxInFlight));
  }

  /** Applies everything sent, has each worker write its shards (`paths[s]` for shard s) and ends the workers. */
  async write(files: ReadonlyArray<{ key: string; paths: readonly string[] }>): Promise<void> {
    await this.drain(0);
    const byLane = new Map<BulkLane, Array<{ key: string; path: string }>>();
    for (const { key, paths } of files) {
      paths.forEach((path, s) => {
        const lane = this.lanes[s % this.lanes.length];
        if (!lane) throw new TypeError(`no worker holds shard ${s} of ${key}`);
        byLane.set(lane, [...(byLane.get(lane) ?? []), { key: shardKey(key, s), path }]);
      });
    }
    for (const [lane, laneFiles] of byLane) lane.write(laneFiles);
    await this.until(() => this.started().every((lane) => !lane.writing));
    this.finished = true;
    await this.closeAll();
  }

  /** Ends the workers without waiting for their work. */
  async abort(): Promise<void> {
    this.finished = true;
    // A drain waiting meanwhile would wait for replies that never come.
    this.failure ??= new SmolError(ErrorCodes.VECTOR_INDEX_BUILD_FAILED, 'the vector index build was aborted');
    this.notify();
    await this.closeAll();
  }

  private lane(shard: number): BulkLane {
    const i = shard % this.lanes.length;
    let lane = this.lanes[i];
    if (!lane) this.lanes[i] = lane = new BulkLane(this.workerUrl, () => this.notify(), (err) => this.fail(err));
    return lane;
  }

  private started(): BulkLane[] {
    return this.lanes.filter((l): l is BulkLane => l !== undefined);
  }

  private async until(done: () => boolean): Promise<void> {
    while (!this.failure && !done()) await new Promise<void>((resolve) => this.wake.push(resolve));
    if (this.failure) throw this.failure;
  }

  private fail(err: unknown): void {
    if (this.failure || this.finished) return;
    const reason = err instanceof Error ? err.message : String(err);
    this.failure = new SmolError(ErrorCodes.VECTOR_INDEX_BUILD_FAILED, `building the vector index in worker threads failed: ${reason}`, { cause: err });
    // The other workers' graphs are of no use without this one's: stop them now.
    void this.closeAll();
    this.notify();
  }

  private async closeAll(): Promise<void> {
    await Promise.all(this.started().map((lane) => lane.close()));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = [];
    for (const w of wake) w();
  }
}
