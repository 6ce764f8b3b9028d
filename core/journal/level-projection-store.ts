import type { AbstractLevel } from 'abstract-level';
import type { ProjectionCheckpoint, ProjectionStore, RecordQuery } from '../projection/projection.js';

type Sub = AbstractLevel<any, string, any>;

const CHECKPOINT = 'c';
const RECORD = 'r:';

/**
 * A projection's state, checkpoint and records in one sublevel, so one batch commits all three.
 * Not synced: after a power cut the projection simply catches up from an older checkpoint,
 * and LevelDB's log keeps batches atomic and in order.
 */
export class LevelProjectionStore implements ProjectionStore {
  constructor(private readonly sub: Sub) {}

  async load(): Promise<ProjectionCheckpoint | undefined> {
    return (await this.sub.get(CHECKPOINT)) as ProjectionCheckpoint | undefined;
  }

  async commit(checkpoint: ProjectionCheckpoint, records: ReadonlyMap<string, unknown>): Promise<void> {
    const ops: Array<{ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }> = [];
    for (const [key, value] of records) {
      ops.push(value === undefined ? { type: 'del', key: RECORD + key } : { type: 'put', key: RECORD + key, value });
    }
    ops.push({ type: 'put', key: CHECKPOINT, value: checkpoint });
    await this.sub.batch(ops as never);
  }

  async getRecord(key: string): Promise<unknown> {
    return this.sub.get(RECORD + key);
  }

  async *records(query: RecordQuery): AsyncIterable<[string, unknown]> {
    const options: Record<string, unknown> = {
      gte: RECORD + (query.gte ?? ''),
      reverse: query.reverse ?? false,
      limit: query.limit ?? -1,
    };
    if (query.lt !== undefined) options.lt = RECORD + query.lt;
    else if (query.lte !== undefined) options.lte = RECORD + query.lte;
    else options.lt = 'r;'; // ';' follows ':' — the end of the record keyspace
    for await (const [key, value] of this.sub.iterator(options)) {
      yield [(key as string).slice(RECORD.length), value];
    }
  }

  async clear(): Promise<void> {
    // Checkpoint first: a crash mid-clear then restarts from nothing and clears again.
    await this.sub.del(CHECKPOINT);
    await this.sub.clear();
  }
}
