import { decodeBodyLayout, type BodyLayout } from '../events/codec.js';
import { GENESIS_PREV } from '../events/event.js';
import { sealMessage, type EventDataMap } from '../events/core-events.js';
import type { EventRegistry } from '../events/registry.js';
import { nodeIdFromPublicKey, verifyMessage } from '../identity/node-identity.js';
import type { OriginHead } from '../journal/journal.js';
import { SmolError, ErrorCodes, isSmolError } from '../errors.js';
import type { SegmentHeader } from './segment-format.js';
import type { SegmentRecord } from './segment-reader.js';

/**
 * What importing a range would do against our heads:
 * 'have' — we hold all of it; 'apply' — it continues our head; 'gap' — it starts past our head + 1.
 */
export type RangeStatus = 'have' | 'apply' | 'gap';

export interface RangePlan {
  readonly origin: string;
  readonly from: number;
  readonly to: number;
  readonly status: RangeStatus;
  /** Our head when planned: events up to it are skipped. */
  readonly head: number;
  readonly headHash: string;
}

/** Plans each range of a header against our heads. Throws SMOL_SEGMENT_CONFLICT for our own origin past our head. */
export function planRanges(header: SegmentHeader, heads: ReadonlyMap<string, OriginHead>, ownOrigin: string): RangePlan[] {
  return header.ranges.map((r) => {
    const h = heads.get(r.origin);
    const head = h?.seq ?? 0;
    const headHash = h?.hash ?? GENESIS_PREV;
    if (r.to <= head) return { ...r, status: 'have', head, headHash };
    if (r.origin === ownOrigin) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `the segment holds ${r.origin}:${r.to}, past this node's own head ${head}: it claims to be this node's and is not`);
    }
    return { ...r, status: r.from > head + 1 ? 'gap' : 'apply', head, headHash };
  });
}

export interface VerifierOptions {
  readonly registry: EventRegistry;
  /** When set, every origin of an applied range must pass (SMOL_UNTRUSTED_NODE otherwise). */
  readonly originAllowed?: (origin: string) => boolean;
}

/**
 * Checks records one by one, as they stream: chain link to our head, schema of known types,
 * every `feed.sealed` signed by its origin's key over the event before it, and every range we
 * would keep ending on such a seal, so a relay can neither forge nor extend another node's feed.
 * Throws SMOL_CHAIN_BROKEN, SMOL_SEGMENT_CONFLICT, SMOL_EVENT_INVALID, SMOL_SEAL_INVALID,
 * SMOL_SEGMENT_UNSEALED, SMOL_UNTRUSTED_NODE.
 */
export class SegmentVerifier {
  private lastSealed = false;

  constructor(private readonly plans: readonly RangePlan[], private readonly options: VerifierOptions) {
    for (const p of plans) {
      if (p.status !== 'have' && options.originAllowed && !options.originAllowed(p.origin)) {
        throw new SmolError(ErrorCodes.UNTRUSTED_NODE, `the segment carries events of ${p.origin}, which is not in the trust list`);
      }
    }
  }

  /** True when this record is new to us and belongs to a range we would apply now. */
  isNew(r: SegmentRecord): boolean {
    const p = this.plans[r.rangeIndex]!;
    return p.status === 'apply' && r.seq > p.head;
  }

  /** Checks one record (records arrive in order, as readSegment yields them). */
  check(r: SegmentRecord): void {
    const p = this.plans[r.rangeIndex]!;
    if (r.seq === p.head && r.hash !== p.headHash) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${r.origin}:${r.seq} differs from the event we hold with that id (the feed forked)`);
    }
    if (r.seq <= p.head) return;
    const h = decodeBodyLayout(r.body);
    if (r.seq === p.head + 1 && p.status === 'apply' && r.body.toString('hex', h.prevOffset, h.prevOffset + 32) !== p.headHash) {
      throw new SmolError(ErrorCodes.CHAIN_BROKEN, `${r.origin}:${r.seq} does not chain onto the ${r.origin}:${p.head} we hold`);
    }
    this.lastSealed = false;
    const { registry } = this.options;
    // Most events are readings, checked in place; that failing, or for other types, the data is
    // parsed: every type's data must at least be JSON (the journal stores these events without
    // parsing them), and a known type's must fit its schema.
    if (!registry.checkJson(h.type, h.v, r.body, h.dataOffset)) this.checkParsed(r, h);
    if (r.seq === p.to && !this.lastSealed) {
      throw new SmolError(ErrorCodes.SEGMENT_UNSEALED, `${r.origin} ${p.from}..${p.to} does not end with a seal by ${r.origin}, so nothing proves those events are ${r.origin}'s`);
    }
  }

  private checkParsed(r: SegmentRecord, h: BodyLayout): void {
    let data: unknown;
    try {
      data = JSON.parse(r.body.toString('utf8', h.dataOffset));
    } catch {
      throw new SmolError(ErrorCodes.EVENT_INVALID, `${r.origin}:${r.seq} (${h.type}) has unreadable data`);
    }
    if (this.options.registry.isKnown(h.type)) {
      try {
        this.options.registry.validate(h.type, h.v, data);
      } catch (err) {
        throw isSmolError(err) ? new SmolError(err.code, `${r.origin}:${r.seq}: ${err.message}`, { cause: err }) : err;
      }
      if (h.type === 'feed.sealed' && h.v === 1) {
        const seal = data as EventDataMap['feed.sealed'];
        const ok =
          nodeIdFromPublicKey(seal.publicKey) === r.origin &&
          seal.seq === r.seq - 1 &&
          seal.hash === r.body.toString('hex', h.prevOffset, h.prevOffset + 32) &&
          verifyMessage(seal.publicKey, sealMessage(r.origin, seal.seq, seal.hash), seal.signature);
        if (!ok) throw new SmolError(ErrorCodes.SEAL_INVALID, `${r.origin}:${r.seq} is a seal that ${r.origin} did not sign over the event before it: the feed was forged or altered`);
        this.lastSealed = true;
      }
    }
  }
}
