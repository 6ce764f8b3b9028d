import type { AbstractLevel } from 'abstract-level';
import type { ErrorCode } from '../errors.js';
import type { OriginHead } from './journal.js';
import type { JournalMeta } from './journal-meta.js';
import { positionKey, prefixedOriginSeqKey, prefixedPositionKey } from './keys.js';
import { RecentRing } from './recent-ring.js';
import type { ColdTier } from './cold/cold-tier.js';

export type Db = AbstractLevel<any, Buffer, Buffer>;

/** A put against the root database, key already prefixed with its sublevel and value encoded. */
export type Op = { readonly key: Buffer; readonly value: Buffer };

/**
 * Where the journal's sublevels keep their keys in the root database. Writes go to the root
 * pre-encoded, one chained batch per commit, because abstract-level's per-operation sublevel
 * handling cost more than LevelDB's write itself; reads of the log iterate the root for the same reason.
 */
export class StoreLayout {
  /** position → `varint originIndex | body`. */
  readonly log;
  /** (origin index, seq) → position. */
  readonly idx;
  readonly logPrefix: Buffer;
  /** Just past every log key: '!log!' → '!log"'. */
  readonly logEnd: Buffer;
  private readonly idxPrefix: Buffer;
  private readonly metaPrefix: string;

  constructor(db: Db) {
    this.log = db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    this.idx = db.sublevel<Buffer, Buffer>('idx', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    this.logPrefix = Buffer.from(this.log.prefix, 'utf8');
    this.idxPrefix = Buffer.from(this.idx.prefix, 'utf8');
    this.logEnd = Buffer.from(this.logPrefix);
    this.logEnd[this.logEnd.length - 1]! += 1;
    this.metaPrefix = db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' }).prefix;
  }

  /** A log entry: position → `varint originIndex | body`. */
  logOp(position: number, value: Buffer): Op {
    return { key: prefixedPositionKey(this.logPrefix, position), value };
  }

  /** An index entry: (origin index, seq) → position. */
  indexOp(originIndex: number, seq: number, position: number): Op {
    return { key: prefixedOriginSeqKey(this.idxPrefix, originIndex, seq), value: positionKey(position) };
  }

  /** A meta entry as the `meta` sublevel (utf8 keys, JSON values) would have written it. */
  metaOp(key: string, value: unknown): Op {
    return { key: Buffer.from(this.metaPrefix + key, 'utf8'), value: Buffer.from(JSON.stringify(value), 'utf8') };
  }
}

/** The small numbers the log stores instead of origin ids. */
export class OriginTable {
  private names: string[];
  private indexes: Map<string, number>;
  private pending: Op[] = [];

  constructor(
    origins: readonly string[],
    private readonly layout: StoreLayout,
  ) {
    this.names = [...origins];
    this.indexes = new Map(origins.map((o, i) => [o, i]));
  }

  /** The origin stored as `index`, if any. */
  name(index: number): string | undefined {
    return this.names[index];
  }

  indexOf(origin: string): number | undefined {
    return this.indexes.get(origin);
  }

  /** The origin's index; a new origin gets the next one, named in the meta sublevel by the next batch. */
  indexFor(origin: string): number {
    let index = this.indexes.get(origin);
    if (index === undefined) {
      index = this.names.length;
      this.names.push(origin);
      this.indexes.set(origin, index);
      // Written with the first event of the origin, so a crash never leaves an unnamed index.
      this.pending.push(this.layout.metaOp(`origin!${origin}`, index));
    }
    return index;
  }

  /** Moves the meta entries of newly named origins into `ops`. */
  flushPending(ops: Op[]): void {
    if (this.pending.length) {
      ops.push(...this.pending);
      this.pending = [];
    }
  }

  /** After a failed batch: pending names are dropped, and `reset` with what is stored follows. */
  dropPending(): void {
    this.pending = [];
  }

  reset(origins: readonly string[]): void {
    this.names = [...origins];
    this.indexes = new Map(origins.map((o, i) => [o, i]));
  }
}

/**
 * What the writer, the reader and ingest share. The journal keeps it private; each part gets it at
 * construction. Only the writer (and ingest, through the tentative fields) changes it.
 */
export interface JournalState {
  readonly db: Db;
  readonly layout: StoreLayout;
  readonly origins: OriginTable;
  /** Recently committed entries, for live subscribers. */
  readonly ring: RecentRing;
  /** What readers see: the last committed position and heads. */
  durablePosition: number;
  readonly durableHeads: Map<string, OriginHead>;
  /** What the next stamp builds on: includes queued, unwritten events. */
  position: number;
  heads: Map<string, OriginHead>;
  closed: boolean;
  /** Set while writes are refused: a batch failed and LevelDB has not been repaired yet (journal-writer.ts). */
  fault: WriteFault | undefined;
  /** Free space is below the low-space watermark: low-value writes are refused (journal-writer.ts). */
  diskLow: boolean;
  /** Cold history (cold/cold-tier.ts), once opened: reads of positions it holds go there. */
  cold: ColdTier | undefined;
}

/** Why the journal refuses writes, since when, and how many appends it refused meanwhile. */
export interface WriteFault {
  readonly code: ErrorCode;
  readonly message: string;
  readonly sinceMs: number;
  refused: number;
}

/** The state of a journal just opened: durable and tentative alike are what `meta` found on disk. */
export function createJournalState(db: Db, meta: JournalMeta, ringSize: number): JournalState {
  const layout = new StoreLayout(db);
  return {
    db,
    layout,
    origins: new OriginTable(meta.origins, layout),
    ring: new RecentRing(ringSize),
    durablePosition: meta.lastPosition,
    durableHeads: new Map(meta.heads),
    position: meta.lastPosition,
    heads: new Map(meta.heads),
    closed: false,
    fault: undefined,
    diskLow: false,
    cold: undefined,
  };
}
