import type { EventType } from '../events/core-events.js';
import type { SmolEvent } from '../events/event.js';

/**
 * A read model built from events. `apply` is pure with respect to the outside world: it reads
 * only `state` and the event, and it may hand *records* to `emit` — keyed rows the projection
 * never needs to read back while applying (closed rollup buckets, list entries). The runner
 * persists state, emitted records and the checkpoint in one atomic batch.
 *
 * Keep `state` small (it is held in memory and written at every checkpoint); put anything that
 * grows with history into records. Write projections with `defineProjection`
 * (define-projection.ts): a typed `evolve` per handled event, behind this `apply`.
 */
export interface Projection<S> {
  readonly name: string;
  /** Bump to drop the stored state and replay from the start. */
  readonly version: number;
  /** Registered event types this projection handles ('*' for all); others need not be passed to apply. */
  readonly handles: readonly EventType[] | '*';
  initial(): S;
  /**
   * Takes any journal event, as the runner reads it (upcast or not). A defineProjection apply
   * ignores unhandled types and versions newer than this build's, and upcasts older ones.
   */
  apply(state: S, event: SmolEvent, emit: Emit): S;
}

/** Writes (or with `undefined`, deletes) one record of the projection. Keys sort as strings. */
export type Emit = (key: string, value: unknown) => void;

/** Stored checkpoint of a projection. */
export interface ProjectionCheckpoint<S = unknown> {
  readonly version: number;
  /** The last journal position applied. */
  readonly position: number;
  readonly state: S;
  /** The state is not in the checkpoint but in chunks (state-chunks.ts), read with `loadChunks`. */
  readonly chunked?: boolean;
}

/** Range query over a projection's records. */
export interface RecordQuery {
  readonly gte?: string;
  readonly lt?: string;
  readonly lte?: string;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** Where a projection's state, checkpoint and records are kept (a sublevel, or memory). */
export interface ProjectionStore {
  load(): Promise<ProjectionCheckpoint | undefined>;
  /**
   * Atomically writes state, checkpoint and records (value undefined = delete). With `chunks`
   * (stores that have `loadChunks`), the checkpoint is written without its state, marked
   * `chunked`, and the chunk writes (key → stored string, undefined = delete) go in the same batch.
   */
  commit(checkpoint: ProjectionCheckpoint, records: ReadonlyMap<string, unknown>, chunks?: ReadonlyMap<string, string | undefined>): Promise<void>;
  /** The state chunks of a `chunked` checkpoint, as stored strings (stores that keep state incrementally). */
  loadChunks?(): Promise<Array<[string, string]>>;
  getRecord(key: string): Promise<unknown>;
  records(query: RecordQuery): AsyncIterable<[string, unknown]>;
  /** Removes checkpoint and every record. */
  clear(): Promise<void>;
}
