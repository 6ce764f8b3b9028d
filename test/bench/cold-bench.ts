import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { DAY_MS } from '../../core/journal/cold/cold-tier.js';
import { fsColdStore } from '../../adapters/journal/fs-cold-store.js';
import { dirBytes } from './disk-bench.js';
import { fillJournal } from './fill.js';
import { SimulatedTime, SOURCES } from './readings.js';

export interface ColdFigure {
  readonly days: number;
  readonly events: number;
  readonly readings: number;
  /** The journal directory (LevelDB), compacted, before any move. */
  readonly bytesBefore: number;
  readonly bytesPerReadingBefore: number;
  /** LevelDB (compacted, with the manifest and seek indexes) plus every cold file, after the move. */
  readonly bytesAfter: number;
  readonly coldBytes: number;
  readonly bytesPerReadingAfter: number;
  readonly files: number;
  readonly movedEvents: number;
  readonly moveMs: number;
  readonly movedEventsPerSecond: number;
  /** Full replay from position 1 after the move, through the cold files. */
  readonly replayMs: number;
}

/**
 * Cold history on disk: `days` of one sampling tick per second carrying 8 sources (the disk bench's
 * fill), compacted and measured; then moved cold as the node's mover does (a file per day, default
 * frames, no throttle) with the clock past the hot window, compacted and measured again, every
 * byte included (LevelDB's files, the manifest and indexes in it, the cold files). Also times the
 * move and a replay through the cold files.
 * Call: `await measureCold(dir, 3)` (a fresh directory; 3 days ≈ 20 s on this machine).
 */
export async function measureCold(dir: string, days: number, options: { frameBytes?: number } = {}): Promise<ColdFigure> {
  const journalDir = join(dir, 'journal');
  const ticks = Math.round(days * 86_400);
  const { events, readings } = await fillJournal(journalDir, { ticks, shape: 'tick' });
  await compact(journalDir);
  const bytesBefore = dirBytes(journalDir);
  // Past the whole fill by the hot window and a file's span: everything but the newest event moves.
  const end = new SimulatedTime().ms + ticks * 1000;
  const now = () => end + 8 * DAY_MS + 1;
  const coldDir = join(journalDir, 'cold');
  const journal = await openLevelJournal(journalDir, { mustExist: true, cold: fsColdStore(coldDir), clock: { now } });
  let files = 0;
  let moveMs = 0;
  let replayMs = 0;
  try {
    const started = performance.now();
    const settings = { hotMs: 7 * DAY_MS, fileSpanMs: DAY_MS, maxEvents: 86_400, now, cluster: 'smollama', ...(options.frameBytes ? { frameBytes: options.frameBytes } : {}) };
    while (await journal.moveCold(settings)) files++;
    moveMs = performance.now() - started;
    const replayStart = performance.now();
    let n = 0;
    for await (const _ of journal.read()) n++;
    replayMs = performance.now() - replayStart;
    if (n !== events) throw new Error(`replay read ${n} events, not ${events}`);
  } finally {
    await journal.close();
  }
  await compact(journalDir);
  const coldBytes = dirBytes(coldDir);
  const bytesAfter = dirBytes(journalDir) + coldBytes;
  const movedEvents = events - 1;
  return {
    days,
    events,
    readings,
    bytesBefore,
    bytesPerReadingBefore: bytesBefore / readings,
    bytesAfter,
    coldBytes,
    bytesPerReadingAfter: bytesAfter / readings,
    files,
    movedEvents,
    moveMs,
    movedEventsPerSecond: movedEvents / (moveMs / 1000),
    replayMs,
  };
}

async function compact(dir: string): Promise<void> {
  const journal = await openLevelJournal(dir, { mustExist: true });
  try {
    await (journal.database as unknown as ClassicLevel<Buffer, Buffer>).compactRange(Buffer.alloc(1, 0x00), Buffer.alloc(16, 0xff));
  } finally {
    await journal.close();
  }
}

/** Readings per tick in the fill (8 sources). */
export const READINGS_PER_TICK = SOURCES.length;
