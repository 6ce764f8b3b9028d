import type { AbstractLevel, AbstractSublevel } from 'abstract-level';
import type { ProjectionCheckpoint, ProjectionStore, RecordQuery } from '../projection/projection.js';

type Sub = AbstractSublevel<any, any, string, any>;
/** The root database, with buffer keys and values (as the journal opens it). */
type Root = AbstractLevel<any, Buffer, Buffer>;

const CHECKPOINT = 'c';
const RECORD = 'r:';
/** State chunks (core/projection/state-chunks.ts), stored as the JSON strings the runner hashed. */
const CHUNK = 's:';

/**
 * A projection's state, checkpoint and records in one sublevel, so one batch commits all three.
 * Not synced: after a power cut the projection simply catches up from an older checkpoint,
 * and LevelDB's log keeps batches atomic and in order.
 */
export class LevelProjectionStore implements ProjectionStore {
  private readonly prefix: string;

  /** `sub` is a sublevel of `root` with utf8 keys and JSON values; reads go through it. */
  constructor(
    private readonly root: Root,
    private readonly sub: Sub,
    /** The journal's write guard: refuses commits while its writes are refused, hears of failed ones. */
    private readonly guard?: { before(): Error | undefined; failed(cause: unknown): void },
  ) {
    this.prefix = sub.prefix;
  }

  async load(): Promise<ProjectionCheckpoint | undefined> {
    return (await this.sub.get(CHECKPOINT)) as ProjectionCheckpoint | undefined;
  }

  /**
   * Writes through a chained batch on the root database with keys already prefixed and values
   * already JSON, the bytes the sublevel would have written: abstract-level's per-operation
   * sublevel and encoding handling cost more than LevelDB's write of a replay's records.
   */
  async commit(checkpoint: ProjectionCheckpoint, records: ReadonlyMap<string, unknown>, chunks?: ReadonlyMap<string, string | undefined>): Promise<void> {
    const refused = this.guard?.before();
    if (refused) throw refused;
    const batch = this.root.batch();
    const recordPrefix = this.prefix + RECORD;
    try {
      for (const [key, value] of records) {
        if (value === undefined) batch.del(Buffer.from(recordPrefix + key, 'utf8'));
        else batch.put(Buffer.from(recordPrefix + key, 'utf8'), Buffer.from(JSON.stringify(value), 'utf8'));
      }
      let head: ProjectionCheckpoint = checkpoint;
      if (chunks) {
        const chunkPrefix = this.prefix + CHUNK;
        for (const [key, raw] of chunks) {
          if (raw === undefined) batch.del(Buffer.from(chunkPrefix + key, 'utf8'));
          else batch.put(Buffer.from(chunkPrefix + key, 'utf8'), Buffer.from(raw, 'utf8'));
        }
        head = { version: checkpoint.version, position: checkpoint.position, chunked: true } as ProjectionCheckpoint;
      }
      batch.put(Buffer.from(this.prefix + CHECKPOINT, 'utf8'), Buffer.from(JSON.stringify(head), 'utf8'));
    } catch (err) {
      await batch.close();
      throw err;
    }
    await batch.write().catch((cause: unknown) => {
      this.guard?.failed(cause);
      throw cause;
    });
  }

  async loadChunks(): Promise<Array<[string, string]>> {
    const start = this.prefix + CHUNK;
    const out: Array<[string, string]> = [];
    const range = { gte: Buffer.from(start, 'utf8'), lt: Buffer.from(this.prefix + 's;', 'utf8') };
    for await (const [key, value] of this.root.iterator(range)) out.push([key.toString('utf8').slice(start.length), value.toString('utf8')]);
    return out;
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
