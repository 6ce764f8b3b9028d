import { openLevelJournal } from '../../core/journal/open-journal.js';
import type { EventDraft } from '../../core/events/event.js';
import { ReadingSimulator, SimulatedTime, SOURCES } from './readings.js';

export interface FillOptions {
  /** Sampling ticks to simulate, 1 s apart. */
  readonly ticks: number;
  /** 'tick': one event per tick carrying every source; 'reading': one event per source reading. */
  readonly shape: 'tick' | 'reading';
  /** fsync each batch (off for fills: durability does not change what ends up on disk). */
  readonly sync?: boolean;
  readonly seed?: number;
}

/**
 * Writes a journal as a node sampling 8 sources at 1 Hz would, with the HLC fed by simulated time
 * that advances 1 s per tick. Appends one call per tick (like the sampler) and lets group commit
 * batch them. Returns the events written (seals included).
 */
export async function fillJournal(dir: string, options: FillOptions): Promise<{ events: number; readings: number }> {
  const time = new SimulatedTime();
  const journal = await openLevelJournal(dir, { sync: options.sync ?? false, clock: { now: time.now } });
  const sim = new ReadingSimulator(options.seed ?? 7);
  let readings = 0;
  try {
    let inFlight: Array<Promise<unknown>> = [];
    for (let tick = 0; tick < options.ticks; tick++) {
      const values = sim.next();
      readings += SOURCES.length;
      const drafts: EventDraft[] =
        options.shape === 'tick'
          ? [{ type: 'reading.sampled', data: { values } }]
          : SOURCES.map((source) => ({ type: 'reading.sampled', data: { values: { [source]: values[source]! } } }));
      inFlight.push(journal.append(drafts));
      time.ms += 1000;
      if (inFlight.length >= 2048) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    return { events: journal.lastPosition(), readings };
  } finally {
    await journal.close();
  }
}
