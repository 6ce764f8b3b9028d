import type { JournalEntry } from '../events/event.js';
import type { SubscribeOptions, Subscription } from './journal.js';

/** What a subscription needs from its journal. */
export interface SubscriptionSource {
  lastPosition(): number;
  /**
   * Reads [from, to]; the result decodes the entries that pass the filter when called. Decoding
   * late keeps read-ahead windows as raw bytes, so few decoded events live across a GC.
   */
  readRange(from: number, to: number, filter: EntryFilter | undefined): Promise<() => JournalEntry[]>;
  /** Resolves at the next durable commit (or close). */
  nextCommit(): Promise<void>;
  readonly isClosed: boolean;
}

export interface EntryFilter {
  readonly types?: ReadonlySet<string>;
  readonly origins?: ReadonlySet<string>;
}

/** Builds a filter from options, or undefined when nothing is filtered. */
export function makeFilter(types?: readonly string[], origins?: readonly string[]): EntryFilter | undefined {
  if (!types?.length && !origins?.length) return undefined;
  return {
    ...(types?.length ? { types: new Set(types) } : {}),
    ...(origins?.length ? { origins: new Set(origins) } : {}),
  };
}

/** Windows read ahead of the one being handled during catch-up. */
const READ_AHEAD = 2;

/**
 * Catch up from a position, then follow live. The loop pulls at its own pace: a slow handler
 * makes only this subscription lag (it reads back from the store), never the journal's writer.
 */
export function startSubscription(
  source: SubscriptionSource,
  options: SubscribeOptions,
  onBatch: BatchHandler,
): Subscription {
  const batchSize = options.batchSize ?? 512;
  const filter = makeFilter(options.types, options.origins);
  let next = options.fromPosition ?? source.lastPosition() + 1;
  let closed = false;
  let delivered = next - 1;
  let wake: (() => void) | undefined;

  // While the handler works on one window, the next ones are already being read (LevelDB reads on
  // the libuv pool, so catch-up overlaps I/O with apply). At most READ_AHEAD windows are in flight.
  type Window = { from: number; to: number; entries: Promise<() => JournalEntry[]> };
  let ahead: Window[] = [];
  let scheduledTo = next - 1;
  const readAhead = (last: number): void => {
    while (ahead.length < READ_AHEAD && scheduledTo < last && !source.isClosed) {
      const from = scheduledTo + 1;
      const to = Math.min(last, from + batchSize - 1);
      const entries = source.readRange(from, to, filter);
      entries.catch(() => undefined); // awaited in order below; this only keeps an abandoned read from going unhandled
      ahead.push({ from, to, entries });
      scheduledTo = to;
    }
  };

  const loop = async (): Promise<void> => {
    while (!closed && !source.isClosed) {
      const last = source.lastPosition();
      if (next > last) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          source.nextCommit().then(resolve, resolve);
        });
        wake = undefined;
        continue;
      }
      readAhead(last);
      const window = ahead.shift()!;
      const decode = await window.entries;
      next = window.to + 1;
      if (closed) break;
      readAhead(source.lastPosition());
      const entries = decode();
      if (entries.length > 0 || options.emptyBatches) {
        await onBatch(entries, window.to);
        if (entries.length > 0) delivered = entries[entries.length - 1]!.position;
      }
    }
  };

  const run = async (): Promise<void> => {
    try {
      await loop();
    } finally {
      // Never leave a read running past `done`: the journal may close right after.
      const pending = ahead;
      ahead = [];
      await Promise.all(pending.map((w) => w.entries.catch(() => undefined)));
    }
  };

  const done = run();
  return {
    get position() {
      return delivered;
    },
    done,
    close() {
      closed = true;
      wake?.();
    },
  };
}

/** Receives entries, and the last position scanned to find them (filtered ones included). */
export type BatchHandler = (entries: JournalEntry[], scannedTo: number) => void | Promise<void>;

/** True when an entry passes the filter. */
export function passes(filter: EntryFilter | undefined, entry: JournalEntry): boolean {
  if (!filter) return true;
  if (filter.types && !filter.types.has(entry.event.type)) return false;
  if (filter.origins && !filter.origins.has(entry.event.origin)) return false;
  return true;
}
