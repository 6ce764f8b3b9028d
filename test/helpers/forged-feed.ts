import { join } from 'node:path';
import { decodeBody, encodeEvent, hashBody } from '../../core/events/codec.js';
import { GENESIS_PREV, type SmolEvent } from '../../core/events/event.js';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { RawEvent } from '../../core/journal/journal.js';

/**
 * What a hostile relay does: copies `origin`'s feed from `source`, changes the events `alter`
 * returns a replacement for, and links the chain anew after them, so that its own journal holds a
 * consistent (but forged) copy of that feed that it will export and sign as if it were genuine.
 * The journal's ingest checks chains only; seals are checked by the segment verifier on import,
 * which is what the victim runs.
 */
export async function forgeFeedInto(target: LevelJournal, source: LevelJournal, origin: string, alter: (e: SmolEvent) => SmolEvent | undefined, toSeq?: number): Promise<void> {
  let prev = GENESIS_PREV;
  let changed = false;
  const raws: RawEvent[] = [];
  for await (const { event, body } of source.readOrigin(origin, 1, toSeq)) {
    const replacement = alter(event);
    if (replacement) changed = true;
    const rebuilt = changed ? encodeEvent({ ...(replacement ?? event), prev }) : body;
    if (!changed && !rebuilt.equals(encodeEvent(decodeBody(origin, body)))) throw new Error('re-encoding an event does not give its bytes back');
    raws.push({ origin, body: rebuilt });
    prev = hashBody(origin, rebuilt);
  }
  if (!changed) throw new Error('nothing was altered');
  await target.ingest(raws);
}

/** A LevelJournal in `<dir>/journal`, the layout of a node's data directory. */
export function openNodeDirJournal(dir: string, options: Parameters<typeof openLevelJournal>[1] = {}): Promise<LevelJournal> {
  return openLevelJournal(join(dir, 'journal'), { sync: false, ...options });
}

/** Changes one reading's values (what a relay falsifying a measurement would do). */
export function falsifyReading(seq: number): (e: SmolEvent) => SmolEvent | undefined {
  return (e) => (e.seq === seq ? { ...e, data: { values: { 'a.temp': 99.5 } } } : undefined);
}
