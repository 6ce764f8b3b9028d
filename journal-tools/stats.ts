import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { hlcToIso } from '../core/clock/hlc.js';

export interface JournalStats {
  readonly nodeId: string;
  readonly events: number;
  readonly bytesOnDisk: number;
  readonly byType: Record<string, number>;
  readonly feeds: Array<{ origin: string; head: number; lastHlc: string; lastAt: string }>;
  readonly projections: Array<{ name: string; version: number | undefined; position: number | undefined }>;
}

/** Counts events by type (a full scan), sizes the data on disk, and lists feeds and projection checkpoints. */
export async function journalStats(journal: LevelJournal, journalDir: string, projectionNames: readonly string[]): Promise<JournalStats> {
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
    projections.push({ name, version: c?.version, position: c?.position });
  }
  return { nodeId: journal.nodeId, events, bytesOnDisk: await dirSize(journalDir), byType, feeds, projections };
}

/** Total size of the files in a directory tree. */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? await dirSize(p) : (await stat(p)).size;
  }
  return total;
}
