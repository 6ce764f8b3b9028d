import { hashBody } from '../core/events/codec.js';
import { hlcToIso } from '../core/clock/hlc.js';
import type { JournalEntry } from '../core/events/event.js';
import type { Journal } from '../core/journal/journal.js';
import { SmolError, ErrorCodes } from '../core/errors.js';

export interface InspectedEvent {
  readonly position: number;
  readonly event: JournalEntry['event'];
  readonly hash: string;
  readonly bodyBytes: number;
  readonly at: string;
}

/** One event by id (`origin:seq`) or position, with its hash and size. Throws SMOL_NOT_FOUND, SMOL_CLI_USAGE. */
export async function inspectEvent(journal: Journal, target: { id?: string; position?: number }): Promise<InspectedEvent> {
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
  // The stored bytes, as hashed into the chain (any journal, so a running node's API serves it too).
  let body: Buffer | undefined;
  for await (const stored of journal.readOrigin(entry.event.origin, entry.event.seq, entry.event.seq)) body = stored.body;
  if (!body) throw new SmolError(ErrorCodes.NOT_FOUND, `no stored body for event ${entry.event.id}`);
  return {
    position: entry.position,
    event: entry.event,
    hash: hashBody(entry.event.origin, body),
    bodyBytes: body.length,
    at: hlcToIso(entry.event.hlc),
  };
}
