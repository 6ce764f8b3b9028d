/**
 * Fills a node's data directory (journal and node.key, as `smollama start` opens it) with `days`
 * of the default node's event mix (soak-mix.ts), through the journal API, time simulated so the
 * last tick falls at `endMs`.
 */
import { openDataDirJournal } from '../../adapters/cli/data-dir.js';
import type { LEVEL_OPTIONS } from '../../core/journal/open-journal.js';
import { DefaultNodeMix, TICK_MS, TICKS_PER_DAY } from './soak-mix.js';
import { SimulatedTime } from './readings.js';

export interface SoakFillOptions {
  readonly days: number;
  readonly endMs?: number;
  /** fsync each batch (default off: a fill's durability does not change what ends up on disk). */
  readonly sync?: boolean;
  /**
   * Ticks per awaited batch: 2 writes as a live node with a 10-s readings window does (one batch
   * per window); undefined fills as fast as group commit batches (up to 2,048 appends in flight).
   */
  readonly ticksPerBatch?: number;
  readonly level?: typeof LEVEL_OPTIONS;
  readonly onProgress?: (ticks: number, total: number) => void;
}

/** Returns events (seals included) and readings written. */
export async function fillSoakDataDir(dataDir: string, o: SoakFillOptions): Promise<{ events: number; readings: number; ticks: number }> {
  const total = Math.round(o.days * TICKS_PER_DAY);
  const time = new SimulatedTime((o.endMs ?? Date.now()) - total * TICK_MS);
  const journal = await openDataDirJournal(dataDir, { sync: o.sync ?? false, clock: { now: time.now }, warn: () => undefined, ...(o.level ? { level: o.level } : {}) });
  const mix = new DefaultNodeMix();
  try {
    let inFlight: Array<Promise<unknown>> = [];
    for (let tick = 0; tick < total; tick++) {
      const { appends, seal } = mix.next(time.ms);
      if (o.ticksPerBatch) {
        // One batch per window: the appends of `ticksPerBatch` ticks go together, then are awaited.
        for (const drafts of appends) inFlight.push(journal.append(drafts));
        if (seal) inFlight.push(journal.seal());
        if ((tick + 1) % o.ticksPerBatch === 0) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      } else {
        for (const drafts of appends) inFlight.push(journal.append(drafts));
        if (seal) inFlight.push(journal.seal());
        if (inFlight.length >= 2048) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      }
      time.ms += TICK_MS;
      if (tick % 50_000 === 0) o.onProgress?.(tick, total);
    }
    await Promise.all(inFlight);
    return { events: journal.lastPosition(), readings: mix.readings, ticks: total };
  } finally {
    await journal.close();
  }
}
