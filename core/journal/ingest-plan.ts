import { decodeBody, hashBody } from '../events/codec.js';
import { GENESIS_PREV, type SmolEvent } from '../events/event.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { OriginHead, RawEvent } from './journal.js';

export interface PlannedEvent {
  readonly origin: string;
  readonly body: Buffer;
  readonly hash: string;
  readonly event: SmolEvent;
}

export interface IngestPlan {
  readonly accepted: PlannedEvent[];
  readonly duplicates: number;
}

export interface IngestContext {
  readonly ownOrigin: string;
  head(origin: string): OriginHead | undefined;
  storedHash(origin: string, seq: number): Promise<string | undefined>;
}

/**
 * Checks a set of foreign events against our heads before anything is written. Every event must
 * continue its origin's hash chain; events we already hold must be byte-identical. Throws on the
 * first problem, so a caller applies the whole set or nothing.
 * Throws SMOL_SEGMENT_GAP, SMOL_CHAIN_BROKEN, SMOL_SEGMENT_CONFLICT, SMOL_JOURNAL_CORRUPT (bad bytes).
 */
export async function planIngest(events: readonly RawEvent[], ctx: IngestContext): Promise<IngestPlan> {
  const accepted: PlannedEvent[] = [];
  const tips = new Map<string, { seq: number; hash: string }>();
  let duplicates = 0;
  for (const raw of events) {
    let event: SmolEvent;
    try {
      event = decodeBody(raw.origin, raw.body);
    } catch (cause) {
      throw new SmolError(ErrorCodes.EVENT_INVALID, `undecodable event from ${raw.origin}`, { cause });
    }
    const hash = hashBody(raw.origin, raw.body);
    const tip = tips.get(raw.origin) ?? toTip(ctx.head(raw.origin));
    if (event.seq <= tip.seq) {
      const stored = await ctx.storedHash(raw.origin, event.seq);
      if (stored === undefined && accepted.some((a) => a.origin === raw.origin && a.event.seq === event.seq)) {
        throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${event.id} appears twice`);
      }
      if (stored !== hash) {
        throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${event.id} differs from the event we hold with that id`, {
          details: { id: event.id },
        });
      }
      duplicates++;
      continue;
    }
    if (raw.origin === ctx.ownOrigin) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${event.id} claims to be ours but is past our own head ${tip.seq}`);
    }
    if (event.seq !== tip.seq + 1) {
      throw new SmolError(ErrorCodes.SEGMENT_GAP, `${event.id} does not follow ${raw.origin}:${tip.seq}`, {
        details: { origin: raw.origin, have: tip.seq, got: event.seq },
      });
    }
    if (event.prev !== tip.hash) {
      throw new SmolError(ErrorCodes.CHAIN_BROKEN, `${event.id} does not chain onto ${raw.origin}:${tip.seq}`, {
        details: { id: event.id },
      });
    }
    tips.set(raw.origin, { seq: event.seq, hash });
    accepted.push({ origin: raw.origin, body: raw.body, hash, event });
  }
  return { accepted, duplicates };
}

function toTip(head: OriginHead | undefined): { seq: number; hash: string } {
  return head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: GENESIS_PREV };
}
