import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../core/journal/journal.js';
import { hlcToIso } from '../core/clock/hlc.js';

export interface JournalStats {
  readonly nodeId: string;
  readonly events: number;
  readonly bytesOnDisk: number;
  readonly byType: Record<string, number>;
  readonly feeds: Array<{ origin: string; head: number; lastHlc: string; lastAt: string }>;
  /** Each projection's stored checkpoint; null before its first commit (a running node commits once a minute). */
  readonly projections: Array<{ name: string; version: number | null; position: number | null }>;
}

/** What a journal says about itself; the size on disk is the data directory's (journalStats). */
export type JournalCounts = Omit<JournalStats, 'bytesOnDisk'>;

/** Counts events by type (a full scan), sizes the data on disk, and lists feeds and projection checkpoints. */
export async function journalStats(journal: Journal, journalDir: string, projectionNames: readonly string[]): Promise<JournalStats> {
  return withSize(await journalCounts(journal, projectionNames), await dirSize(journalDir));
}

/**
 * The stats with the size on disk, keys in one order, so `journal stats --json` is the same shape
 * whether it read the journal itself or asked the running node (GET /api/journal/stats).
 */
export function withSize(c: JournalCounts, bytesOnDisk: number): JournalStats {
  return { nodeId: c.nodeId, events: c.events, bytesOnDisk, byType: c.byType, feeds: c.feeds, projections: c.projections };
}

/** Counts events by type (a full scan) and lists feeds and projection checkpoints; works on a running node's journal. */
export async function journalCounts(journal: Journal, projectionNames: readonly string[]): Promise<JournalCounts> {
  const byType: Record<string, number> = {};
  let events = 0;
  for await (const { event } of journal.read()) {
    byType[event.type] = (byType[event.type] ?? 0) + 1;
    events++;
  }
  const feeds = [...journal.heads()].map(([origin, h]) => ({ origin, head: h.seq, lastHlc: h.hlc, lastAt: hlcToIso(h.hlc) }));
  const projections = [];
  for (const name of projectionNames) {
    const c = await journal.projectionStore(name).load();
    projections.push({ name, version: c?.version ?? null, position: c?.position ?? null });
  }
  return { nodeId: journal.nodeId, events, byType, feeds, projections };
}

/**
 * Total size of the files in a directory tree. A file that goes between listing and stat (a running
 * node's LevelDB compacts) counts as gone, not as an error.
 */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? await dirSize(p) : await stat(p).then((s) => s.size, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return 0;
      throw err;
    });
  }
  return total;
}
