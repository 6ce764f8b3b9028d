import type { LevelJournal } from '../../core/journal/level-journal.js';
import { runRetention, type RetentionRun } from '../../core/journal/retention.js';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 1);

/** Cold moves with a 7-day hot window and a file per day, as the cold-history unit does. */
export const moveSettings = (now: () => number) => ({ hotMs: 7 * DAY, fileSpanMs: DAY, maxEvents: 1500, now, cluster: 'smollama', frameBytes: 16 << 10 });

/**
 * `days` of a node's life on a test clock: a reading every `stepMs`, and now and then a memory and
 * an observation-like event of another class; the journal seals itself every 1000 events.
 */
export async function fillDays(journal: LevelJournal, clock: { t: number }, days: number, stepMs: number): Promise<void> {
  const end = clock.t + days * DAY;
  let batch: Array<{ type: string; data: unknown }> = [];
  for (let n = 0; clock.t < end; clock.t += stepMs, n++) {
    batch.push({ type: 'reading.sampled', data: { values: { 'system.load_1': (n % 50) / 10, 'system.cpu_temp': 40 + (n % 7) } } });
    if (n % 1500 === 700) batch.push({ type: 'memory.remembered', data: { text: `the load was ${(n % 50) / 10} at tick ${n}`, kind: 'fact', confidence: 0.8, sources: ['system.load_1'], by: { kind: 'agent' }, embedding: { model: 'test', dim: 2, vector: Buffer.from(new Float32Array([1, n % 3]).buffer).toString('base64') } } });
    if (batch.length >= 200) {
      await journal.append(batch as never);
      batch = [];
    }
  }
  if (batch.length) await journal.append(batch as never);
}

/** Moves everything older than the hot window cold; returns the files written. */
export async function moveAllCold(journal: LevelJournal, clock: { t: number }): Promise<number> {
  let files = 0;
  while (await journal.moveCold(moveSettings(() => clock.t))) files++;
  return files;
}

/** Runs retention against the journal's cold manifest with a byte budget and the journal's own size as cold bytes + `hotBytes`. */
export function retain(journal: LevelJournal, maxBytes: number, hotBytes = 0, now = () => Date.now()): Promise<RetentionRun> {
  const manifest = journal.coldManifest!;
  return runRetention(journal, manifest, { policy: { maxBytes, maxAgeDays: 0 }, usedBytes: async () => manifest.totalBytes() + hotBytes, now });
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
