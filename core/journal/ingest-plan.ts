import { decodeBody, decodeBodyHeader, hashBody } from '../events/codec.js';
import { GENESIS_PREV } from '../events/event.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { OriginHead, RawEvent } from './journal.js';

export interface PlannedEvent {
  readonly origin: string;
  readonly body: Buffer;
  readonly hash: string;
  readonly seq: number;
  readonly hlc: string;
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
 * first problem, so a caller applies the whole set or nothing. An event without a `hash` is
 * decoded whole (data included) and hashed here; one with a hash is taken as its caller checked it.
 * Throws SMOL_EVENT_INVALID (bad bytes), SMOL_SEGMENT_GAP, SMOL_CHAIN_BROKEN, SMOL_SEGMENT_CONFLICT.
 */
export async function planIngest(events: readonly RawEvent[], ctx: IngestContext): Promise<IngestPlan> {
  const accepted: PlannedEvent[] = [];
  const tips = new Map<string, { seq: number; hash: string }>();
  let duplicates = 0;
  for (const raw of events) {
    let seq: number;
    let prev: string;
    let hlc: string;
    try {
      if (raw.hash === undefined) decodeBody(raw.origin, raw.body); // the data must parse, too
      ({ seq, prev, hlc } = decodeBodyHeader(raw.body));
    } catch (cause) {
      throw new SmolError(ErrorCodes.EVENT_INVALID, `undecodable event from ${raw.origin}`, { cause });
    }
    const id = (): string => `${raw.origin}:${seq}`; // for messages only
    const hash = raw.hash ?? hashBody(raw.origin, raw.body);
    const tip = tips.get(raw.origin) ?? toTip(ctx.head(raw.origin));
    if (seq <= tip.seq) {
      const stored = await ctx.storedHash(raw.origin, seq);
      if (stored === undefined && accepted.some((a) => a.origin === raw.origin && a.seq === seq)) {
        throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${id()} appears twice`);
      }
      if (stored !== hash) {
        throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${id()} differs from the event we hold with that id`, {
          details: { id: id() },
        });
      }
      duplicates++;
      continue;
    }
    if (raw.origin === ctx.ownOrigin) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${id()} claims to be ours but is past our own head ${tip.seq}`);
    }
    if (seq !== tip.seq + 1) {
      throw new SmolError(ErrorCodes.SEGMENT_GAP, `${id()} does not follow ${raw.origin}:${tip.seq}`, {
        details: { origin: raw.origin, have: tip.seq, got: seq },
      });
    }
    if (prev !== tip.hash) {
      throw new SmolError(ErrorCodes.CHAIN_BROKEN, `${id()} does not chain onto ${raw.origin}:${tip.seq}`, {
        details: { id: id() },
      });
    }
    tips.set(raw.origin, { seq, hash });
    accepted.push({ origin: raw.origin, body: raw.body, hash, seq, hlc });
  }
  return { accepted, duplicates };
}

function toTip(head: OriginHead | undefined): { seq: number; hash: string } {
  return head ? { seq: head.seq, hash: head.hash } : { seq: 0, hash: GENESIS_PREV };
}
