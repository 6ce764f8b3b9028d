import type { ClockSkew, ClockSkewCleared, HlcClockOptions } from '../../core/clock/hlc.js';
import { hlcToIso } from '../../core/clock/hlc.js';
import type { Journal } from '../../core/journal/journal.js';
import type {} from '../../core/events/sync-events.js'; // brings clock.skew.* into EventDataMap

export interface ClockSkewReporterOptions {
  /** The journal to report in; undefined while it is still being opened (nothing is ingested then). */
  readonly journal: () => Journal | undefined;
  readonly maxOffsetMs: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * The clock callbacks that journal and log skew per origin: `clock.skew.detected` when an origin's
 * events arrive more than clock.maxOffsetMs ahead of our clock, `clock.skew.cleared` when they are
 * back within it. The clock calls them once per crossing (not per event), and the journal's stored
 * heads carry the state across restarts, so a peer ten years ahead costs one event, not one per sync.
 * Pass them as the node journal's `clock` options.
 */
export function clockSkewReporter(options: ClockSkewReporterOptions): Pick<HlcClockOptions, 'onSkew' | 'onSkewCleared'> {
  // The clock calls these while the journal is storing the batch that carried the timestamp:
  // the report is appended after that batch is queued, never in the middle of it.
  const later = (append: (journal: Journal) => Promise<unknown>): void => {
    void Promise.resolve().then(() => {
      const journal = options.journal();
      return journal && append(journal);
    }).catch(() => undefined); // best effort: the events themselves are stored either way
  };
  return {
    onSkew: (skew: ClockSkew) => {
      const origin = skew.source;
      if (origin === undefined) return; // only per-origin reports are journaled (ingest names the origin)
      options.log?.('clock skew: events of another node are stamped ahead of this clock; stored, not followed', {
        origin,
        aheadMs: skew.aheadMs,
        stamped: hlcToIso(skew.remote),
        maxOffsetMs: options.maxOffsetMs,
      });
      later((journal) => journal.appendOne('clock.skew.detected', { origin, aheadMs: skew.aheadMs, remoteHlc: skew.remote, maxOffsetMs: options.maxOffsetMs }));
    },
    onSkewCleared: (cleared: ClockSkewCleared) => {
      options.log?.('clock skew cleared: events of that node are within clock.maxOffsetMs again', { origin: cleared.source, aheadMs: cleared.aheadMs });
      later((journal) => journal.appendOne('clock.skew.cleared', { origin: cleared.source, aheadMs: cleared.aheadMs }));
    },
  };
}
