import { decodeBodyType } from '../events/codec.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { FeedBasis } from './basis/feed-basis.js';
import type { FeedBases } from './basis/feed-bases.js';
import type { ProjectionSnapshots, SnapshotInfo } from './basis/projection-snapshots.js';
import type { Journal } from './journal.js';

/**
 * Retention: keeps the journal within a storage budget by dropping its OLDEST cold history, whole
 * cold files at a time. Before a drop, every feed the dropped files hold a part of gets a new basis
 * (the last dropped seq, its hash, and the origin's first seal after it: basis/feed-basis.ts), and
 * every projection is snapshotted past the dropped positions (basis/projection-snapshots.ts). The
 * bases are written in the same batch that removes the files from the cold manifest, so a crash at
 * any point leaves either the old history with the old bases, or the new bases without those files
 * (whose unlinking the manifest finishes on the next open). See docs/retention.md.
 */

/** When to drop. */
export interface RetentionPolicy {
  /** Budget for the whole journal (LevelDB + cold files), bytes; 0 = unlimited. */
  readonly maxBytes: number;
  /** Drop cold files whose newest event is older than this (days); 0 = keep by age for ever. */
  readonly maxAgeDays: number;
}

/** A cold file as retention needs it (ColdFileEntry fits). */
export interface DroppableFile {
  readonly name: string;
  readonly fromPosition: number;
  readonly toPosition: number;
  readonly origins: ReadonlyArray<{ readonly origin: string; readonly fromSeq: number; readonly toSeq: number }>;
  readonly bytes: number;
  readonly newestWallMs: number;
}

/** The oldest history and how to drop it (ColdManifest fits). */
export interface DroppableHistory {
  /** Files oldest first. */
  list(): readonly DroppableFile[];
  /** Drops the `count` oldest files, writing `extraOps` in the same batch. */
  dropOldest(count: number, options: { extraOps?: ReadonlyArray<{ type: 'put'; key: Buffer; value: Buffer }> }): Promise<unknown>;
}

/** What retention needs of the journal (LevelJournal fits). */
export type RetentionJournal = Pick<Journal, 'nodeId' | 'heads' | 'get' | 'readOriginRaw' | 'seal'> & {
  readonly feedBases: FeedBases;
  readonly projectionSnapshots: ProjectionSnapshots;
};

export interface RetentionRun {
  readonly dropped: readonly string[];
  readonly throughPosition: number;
  readonly bytesFreed: number;
  readonly bases: ReadonlyMap<string, FeedBasis>;
  readonly snapshots: readonly SnapshotInfo[];
  /** Why nothing was dropped although the policy asks for it (e.g. a projection is behind). */
  readonly waiting?: string;
}

const DAY_MS = 86_400_000;

/** How many of the oldest files the policy drops, given the journal's size now (pure). */
export function filesToDrop(files: readonly DroppableFile[], usedBytes: number, policy: RetentionPolicy, nowMs: number): number {
  let used = usedBytes;
  let count = 0;
  for (const f of files) {
    const over = policy.maxBytes > 0 && used > policy.maxBytes;
    const old = policy.maxAgeDays > 0 && f.newestWallMs < nowMs - policy.maxAgeDays * DAY_MS;
    if (!over && !old) break;
    used -= f.bytes;
    count++;
  }
  return count;
}

/**
 * The bases after dropping `files`: per origin they hold, the highest dropped seq (when past the
 * basis it has), its hash (the prev of the next event, or the head's), and the first seal after it
 * (or the dropped event itself when it is the feed's last and a seal). Throws SMOL_JOURNAL_RANGE_DROPPED
 * when a feed has no seal to prove its new basis yet (it is then not dropped).
 */
export async function basesAfterDrop(journal: RetentionJournal, files: readonly DroppableFile[]): Promise<Map<string, FeedBasis>> {
  const upTo = new Map<string, number>();
  for (const f of files) for (const r of f.origins) upTo.set(r.origin, Math.max(upTo.get(r.origin) ?? 0, r.toSeq));
  const out = new Map<string, FeedBasis>();
  for (const [origin, seq] of upTo) {
    if (seq <= (journal.feedBases.get(origin)?.seq ?? 0)) continue;
    const head = journal.heads().get(origin);
    if (!head) throw new TypeError(`cold history holds ${origin}, which has no head`);
    let hash: string;
    let seal: FeedBasis['seal'] | undefined;
    if (seq >= head.seq) {
      hash = head.hash;
      for await (const e of journal.readOriginRaw(origin, head.seq, head.seq)) {
        if (decodeBodyType(e.body) === 'feed.sealed') seal = { seq: e.seq, body: e.body.toString('base64url') };
      }
    } else {
      const next = await journal.get(origin, seq + 1);
      if (!next) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `${origin}:${seq + 1} is below the head but not in the journal`);
      hash = next.event.prev;
      for await (const e of journal.readOriginRaw(origin, seq + 1, head.seq)) {
        if (decodeBodyType(e.body) !== 'feed.sealed') continue;
        seal = { seq: e.seq, body: e.body.toString('base64url') };
        break;
      }
    }
    if (!seal) throw new SmolError(ErrorCodes.JOURNAL_RANGE_DROPPED, `${origin} has no seal after ${seq} yet, so a basis there could not be proven`, { details: { origin, seq } });
    out.set(origin, { seq, hash, seal });
  }
  return out;
}

export interface RetentionOptions {
  readonly policy: RetentionPolicy;
  /** The journal's size on disk now (LevelDB + cold files), bytes. */
  readonly usedBytes: () => Promise<number>;
  readonly now?: () => number;
  /** Projections to snapshot (default: every one with stored data). */
  readonly projections?: readonly string[];
}

/**
 * One retention pass: drops the oldest cold files the policy says to, after sealing our feed,
 * computing the new bases and snapshotting every projection past the dropped positions. Returns
 * what it did; `waiting` says why it dropped nothing when the policy asked (a projection behind
 * the drop). Run one pass at a time. Throws SMOL_JOURNAL_RANGE_DROPPED (a feed without a seal to
 * prove its basis) and what the drop's batch throws.
 */
export async function runRetention(journal: RetentionJournal, history: DroppableHistory, options: RetentionOptions): Promise<RetentionRun> {
  const files = history.list();
  const count = filesToDrop(files, await options.usedBytes(), options.policy, (options.now ?? Date.now)());
  const none = { dropped: [], throughPosition: 0, bytesFreed: 0, bases: new Map(), snapshots: [] };
  if (count === 0) return none;
  const drop = files.slice(0, count);
  const through = drop[drop.length - 1]!.toPosition;
  await journal.seal(); // our own newest events then have a seal after them
  const bases = await basesAfterDrop(journal, drop);
  // Rollups, memories and the rest must survive a rebuild: snapshots past every dropped position.
  const snapshots = await journal.projectionSnapshots.takeAll(options.projections);
  const behind = snapshots.find((s) => s.position < through);
  if (behind) return { ...none, snapshots, waiting: `projection ${behind.name} is at position ${behind.position}, behind the oldest history to drop (through ${through})` };
  const restore = journal.feedBases.remember(bases);
  try {
    await history.dropOldest(count, { extraOps: journal.feedBases.putOps(bases) });
  } catch (err) {
    restore();
    throw err;
  }
  return { dropped: drop.map((f) => f.name), throughPosition: through, bytesFreed: drop.reduce((n, f) => n + f.bytes, 0), bases, snapshots };
}
