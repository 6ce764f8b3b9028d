import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { fillJournal } from './fill.js';

export interface DiskFigure {
  readonly shape: 'tick' | 'reading';
  readonly ticks: number;
  readonly events: number;
  readonly readings: number;
  readonly bytes: number;
  readonly bytesPerReading: number;
  readonly bytesPerEvent: number;
  /** bytesPerReading × 90 days × 86,400 s × 8 sources. */
  readonly ninetyDayBytes: number;
}

export const NINETY_DAY_READINGS = 90 * 86_400 * 8;

/** Total size of the regular files in `dir` (LevelDB keeps a flat directory). */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

/**
 * Simulates `ticks` seconds of 8-source sampling into a fresh journal, compacts the whole keyspace,
 * closes, and sums the files of the data directory (log, index, heads, identity, LevelDB's own
 * MANIFEST/LOG: everything a node would keep). No projection runs, so this is the journal alone.
 */
export async function measureDisk(dir: string, ticks: number, shape: 'tick' | 'reading'): Promise<DiskFigure> {
  const { events, readings } = await fillJournal(dir, { ticks, shape });
  await compactJournal(dir);
  const bytes = dirBytes(dir);
  const bytesPerReading = bytes / readings;
  return { shape, ticks, events, readings, bytes, bytesPerReading, bytesPerEvent: bytes / events, ninetyDayBytes: bytesPerReading * NINETY_DAY_READINGS };
}

/** Opens the journal in `dir`, compacts its whole keyspace (memtable included) and closes it. */
export async function compactJournal(dir: string): Promise<void> {
  const journal = await openLevelJournal(dir, { mustExist: true });
  try {
    const db = journal.database as unknown as ClassicLevel<Buffer, Buffer>;
    await db.compactRange(Buffer.alloc(1, 0x00), Buffer.alloc(16, 0xff));
  } finally {
    await journal.close();
  }
}
