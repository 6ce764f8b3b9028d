import { openLevelJournal } from '../../core/journal/open-journal.js';
import type { EventDraft } from '../../core/events/event.js';
import { ReadingSimulator } from './readings.js';
import { msSince, percentile } from './stats.js';

export interface AppendThroughput {
  readonly events: number;
  readonly writers: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of the whole process (JS, libuv pool, LevelDB's compaction thread) per event: steadier than wall time on a shared machine. */
  readonly cpuMicrosPerEvent: number;
  /** Mean events per LevelDB batch (one fsync each): the group-commit size. */
  readonly eventsPerBatch: number;
}

export interface AppendLatency {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

function drafts(count: number, seed: number): EventDraft[] {
  const sim = new ReadingSimulator(seed);
  return Array.from({ length: count }, () => ({ type: 'reading.sampled', data: { values: sim.next() } }));
}

/**
 * Durable (fsync on) group-committed appends: `writers` concurrent loops, each awaiting
 * `append([one reading.sampled])` before its next one, so every event is its own call and the
 * journal alone does the batching.
 */
export async function measureAppendThroughput(dir: string, events: number, writers: number): Promise<AppendThroughput> {
  const journal = await openLevelJournal(dir);
  try {
    // Warm-up outside the timing: JIT, LevelDB's first log file.
    await Promise.all(drafts(2000, 2).map((d) => journal.append([d])));
    // Readings are made as they are appended, like a sampler makes them (~0.2 µs each): a
    // pre-built array of 200k drafts would sit in the old generation and slow every GC.
    const sim = new ReadingSimulator(1);
    const batches = countBatches(journal.database);
    let next = 0;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (next++ < events) await journal.append([{ type: 'reading.sampled', data: { values: sim.next() } }]);
      }),
    );
    const ms = msSince(start);
    const used = process.cpuUsage(cpu);
    const cpuMicrosPerEvent = (used.user + used.system) / events;
    return { events, writers, seconds: ms / 1000, eventsPerSecond: events / (ms / 1000), cpuMicrosPerEvent, eventsPerBatch: events / Math.max(1, batches()) };
  } finally {
    await journal.close();
  }
}

/** One append awaited at a time, fsync on: the latency a lone sampler sees. */
export async function measureAppendLatency(dir: string, samples: number): Promise<AppendLatency> {
  const journal = await openLevelJournal(dir);
  try {
    const all = drafts(samples + 200, 3);
    const times: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const start = process.hrtime.bigint();
      await journal.append([all[i]!]);
      if (i >= 200) times.push(msSince(start)); // the first 200 warm up
    }
    times.sort((a, b) => a - b);
    return { samples, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times[times.length - 1]! };
  } finally {
    await journal.close();
  }
}

/** Counts batch writes on a database instance from now on (the journal writes one per group commit). */
function countBatches(db: object): () => number {
  type Chained = { write: (...args: unknown[]) => Promise<void> };
  const target = db as { batch: (...args: unknown[]) => unknown };
  const original = target.batch.bind(target);
  let n = 0;
  target.batch = (...args: unknown[]) => {
    const result = original(...args);
    if (args.length > 0) {
      n++; // array form
    } else {
      const chained = result as Chained;
      const write = chained.write.bind(chained);
      chained.write = (...a: unknown[]) => {
        n++;
        return write(...a);
      };
    }
    return result;
  };
  return () => n;
}
