import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { MoveSettings } from '../../core/journal/cold/cold-tier.js';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 0, 1);

/** Move settings as the cold-history unit uses them (7-day hot window, a file per day), with small frames so files have many. */
export function coldSettings(now: () => number, extra: Partial<MoveSettings> = {}): MoveSettings {
  return { hotMs: 7 * DAY, fileSpanMs: DAY, maxEvents: 100_000, now, cluster: 'smollama', frameBytes: 16 << 10, ...extra };
}

export async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * `days` of readings, one every `stepMs` on a clock the caller owns (`clock.t` advances). With
 * `peer`, every 50th batch also ingests the peer's new events, so origins interleave in the log.
 */
export async function fillDays(journal: LevelJournal, clock: { t: number }, days: number, stepMs: number, peer?: LevelJournal): Promise<void> {
  const end = clock.t + days * DAY;
  let batch: Array<{ type: string; data: unknown }> = [];
  let batches = 0;
  let peerSent = 0;
  for (let n = 0; clock.t < end; clock.t += stepMs, n++) {
    batch.push({ type: 'reading.sampled', data: { values: { 'system.load_1': (n % 50) / 10, 'system.cpu_temp': 40 + (n % 7) } } });
    if (batch.length < 100) continue;
    await journal.append(batch as never);
    batch = [];
    if (peer && ++batches % 5 === 0) {
      await peer.append([{ type: 'reading.sampled', data: { values: { 'peer.temp': n % 13 } } }] as never);
      const raw = [];
      for await (const e of peer.readOrigin(peer.nodeId, peerSent + 1)) raw.push({ origin: peer.nodeId, body: e.body });
      await journal.ingest(raw);
      peerSent += raw.length;
    }
  }
  if (batch.length) await journal.append(batch as never);
}
