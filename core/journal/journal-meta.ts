import { decodeBodyType } from '../events/codec.js';
import type { OriginHead } from './journal.js';
import { StoreLayout, type Db } from './journal-state.js';
import { indexedValues } from './hot-log-reads.js';
import { readPosition } from './keys.js';
import { readFeedBases } from './basis/feed-bases.js';
import type { FeedBasis } from './basis/feed-basis.js';

/** Loaded from the meta sublevel when the journal opens. */
export interface JournalMeta {
  readonly origins: string[];
  readonly heads: Map<string, OriginHead>;
  readonly lastPosition: number;
  /** Own events since our last `feed.sealed` (see countUnsealed); 0 when absent. */
  readonly unsealed?: number;
  /** Where feeds start after retention (basis/feed-bases.ts); absent = every feed from seq 1. */
  readonly bases?: Map<string, FeedBasis>;
}

/** Own events between automatic seals, unless the journal is opened with another sealEvery. */
export const DEFAULT_SEAL_EVERY = 1000;
/** How far back opening looks for our last seal: a longer unsealed tail counts as this many. */
export const UNSEALED_SCAN_LIMIT = 10_000;

/** Reads origins, heads and the last position from an opened database. */
export async function readJournalMeta(db: Db): Promise<JournalMeta> {
  const meta = db.sublevel<string, any>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const origins: string[] = [];
  for await (const [key, value] of meta.iterator({ gte: 'origin!', lt: 'origin"' })) origins[value as number] = key.slice(7);
  const heads = new Map<string, OriginHead>();
  for await (const [key, value] of meta.iterator({ gte: 'head!', lt: 'head"' })) heads.set(key.slice(5), value as OriginHead);
  const log = db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  let lastPosition = 0;
  for await (const key of log.keys({ reverse: true, limit: 1 })) lastPosition = readPosition(key);
  return { origins, heads, lastPosition, bases: await readFeedBases(db) };
}

/**
 * Own events after our newest `feed.sealed`, walking back from our head through at most `limit`
 * events (a longer tail counts as `limit`). Without it a reopened journal would think everything
 * sealed, and `seal()` after a crash would do nothing until a new event was written.
 * Throws SMOL_JOURNAL_CORRUPT when the index names a missing log position.
 */
export async function countUnsealed(db: Db, meta: JournalMeta, origin: string, limit: number): Promise<number> {
  const head = meta.heads.get(origin);
  const index = meta.origins.indexOf(origin);
  if (!head || index < 0 || limit <= 0) return 0;
  const from = Math.max(1, head.seq - limit + 1);
  let count = 0;
  for await (const { value, offset } of indexedValues(new StoreLayout(db), index, from, head.seq, true)) {
    if (decodeBodyType(value, offset) === 'feed.sealed') return count;
    count++;
  }
  return count;
}
