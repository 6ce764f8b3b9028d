import type { JournalEntry } from '../core/events/event.js';
import type { Journal, Subscription } from '../core/journal/journal.js';

export interface TailOptions {
  readonly limit: number;
  readonly types?: readonly string[];
  readonly origins?: readonly string[];
}

/** The last `limit` matching events, oldest first. */
export async function tailEvents(journal: Journal, options: TailOptions): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for await (const e of journal.read({ reverse: true, limit: options.limit, ...filters(options) })) out.push(e);
  return out.reverse();
}

/** Follows new matching events after `afterPosition` until the subscription is closed. */
export function followEvents(journal: Journal, afterPosition: number, options: TailOptions, onEntry: (e: JournalEntry) => void): Subscription {
  return journal.subscribe({ fromPosition: afterPosition + 1, ...filters(options) }, (entries) => entries.forEach(onEntry));
}

function filters(o: TailOptions) {
  return { ...(o.types?.length ? { types: o.types } : {}), ...(o.origins?.length ? { origins: o.origins } : {}) };
}
