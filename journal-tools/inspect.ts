import { hashBody } from '../core/events/codec.js';
import { hlcToIso } from '../core/clock/hlc.js';
import type { JournalEntry } from '../core/events/event.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { SmolError, ErrorCodes } from '../core/errors.js';

export interface InspectedEvent {
  readonly position: number;
  readonly event: JournalEntry['event'];
  readonly hash: string;
  readonly bodyBytes: number;
  readonly at: string;
}

/** One event by id (`origin:seq`) or position, with its hash and size. Throws SMOL_NOT_FOUND, SMOL_CLI_USAGE. */
export async function inspectEvent(journal: LevelJournal, target: { id?: string; position?: number }): Promise<InspectedEvent> {
  let entry: JournalEntry | undefined;
  if (target.id !== undefined) {
    const m = /^([^:]+):(\d+)$/.exec(target.id);
    if (!m) throw new SmolError(ErrorCodes.CLI_USAGE, `"${target.id}" is not an event id (origin:seq)`);
    entry = await journal.get(m[1]!, Number(m[2]));
  } else if (target.position !== undefined) {
    entry = await journal.getAt(target.position);
  } else {
    throw new SmolError(ErrorCodes.CLI_USAGE, 'inspect needs an event id or --position');
  }
  if (!entry) throw new SmolError(ErrorCodes.NOT_FOUND, `no event ${target.id ?? `at position ${target.position}`}`);
  const stored = await journal.getBody(entry.event.origin, entry.event.seq);
  return {
    position: entry.position,
    event: entry.event,
    hash: hashBody(entry.event.origin, stored!.body),
    bodyBytes: stored!.body.length,
    at: hlcToIso(entry.event.hlc),
  };
}
