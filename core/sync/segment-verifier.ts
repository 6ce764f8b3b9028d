import { decodeBodyLayout, type BodyLayout } from '../events/codec.js';
import { GENESIS_PREV } from '../events/event.js';
import { sealMessage, type EventDataMap } from '../events/core-events.js';
import type { EventRegistry } from '../events/registry.js';
import { nodeIdFromPublicKey, verifyMessage } from '../identity/node-identity.js';
import type { Journal, OriginHead } from '../journal/journal.js';
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
  /** The last seq of this range we already hold (min(to, head); 0 when we hold none of it). */
  readonly heldTo: number;
  /**
   * The hash we hold at `heldTo`. Records of a range are chained (the reader rebuilds each `prev`
   * from the record before), so that one record matching ours proves every held record of the
   * range is byte-identical to ours; a mismatch anywhere before it changes it too.
   * Undefined until resolved (see resolveHeldHashes) for a range ending below our head.
   */
  heldHash: string | undefined;
  /** A range starting at a basis proven through its events: the seal event at this seq must hash so (segment-basis.ts). */
  readonly basisSeal?: { readonly seq: number; readonly hash: string };
}

/** Plans each range of a header against our heads. Throws SMOL_SEGMENT_CONFLICT for our own origin past our head. */
export function planRanges(header: SegmentHeader, heads: ReadonlyMap<string, OriginHead>, ownOrigin: string): RangePlan[] {
  return header.ranges.map((r) => {
    const h = heads.get(r.origin);
    const head = h?.seq ?? 0;
    const headHash = h?.hash ?? GENESIS_PREV;
    const heldTo = r.from <= head ? Math.min(r.to, head) : 0;
    const heldHash = heldTo === head && heldTo > 0 ? headHash : undefined;
    if (r.to <= head) return { ...r, status: 'have', head, headHash, heldTo, heldHash };
    if (r.origin === ownOrigin) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `the segment holds ${r.origin}:${r.to}, past this node's own head ${head}: it claims to be this node's and is not`);
    }
    return { ...r, status: r.from > head + 1 ? 'gap' : 'apply', head, headHash, heldTo, heldHash };
  });
}

/** Where a held range's bytes differ from ours: the first seq that differs and both hashes. */
export interface HeldConflict {
  readonly rangeIndex: number;
  readonly origin: string;
  readonly seq: number;
  /** Our hash and the segment's, of that event. */
  readonly ours: string;
  readonly theirs: string;
}

/**
 * Fills in `heldHash` of ranges that end below our head: the hash we hold at `heldTo` is the
 * `prev` of our event after it (one indexed read per range, whatever its length).
 */
export async function resolveHeldHashes(plans: readonly RangePlan[], journal: Pick<Journal, 'get'>): Promise<void> {
  for (const p of plans) {
    if (p.heldTo === 0 || p.heldHash !== undefined) continue;
    const next = await journal.get(p.origin, p.heldTo + 1);
    if (!next) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `${p.origin}:${p.heldTo + 1} is below our head ${p.head} but not in the journal`);
    p.heldHash = next.event.prev;
  }
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

  /**
   * Checks one record (records arrive in order, as readSegment yields them). A held range whose
   * bytes differ from ours throws SMOL_SEGMENT_CONFLICT with `details.held` (a HeldConflict whose
   * seq is where the difference shows, not yet where it starts: see locateConflict).
   */
  check(r: SegmentRecord): void {
    const p = this.plans[r.rangeIndex]!;
    if (r.seq === p.heldTo && r.hash !== p.heldHash) {
      const held: HeldConflict = { rangeIndex: r.rangeIndex, origin: r.origin, seq: r.seq, ours: p.heldHash ?? '', theirs: r.hash };
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `${r.origin}:${r.seq} differs from the event we hold with that id (the feed forked or was altered)`, { details: { held } });
    }
    if (r.seq <= p.head) return;
    if (p.basisSeal && r.seq === p.basisSeal.seq && r.hash !== p.basisSeal.hash) {
      throw new SmolError(ErrorCodes.SEAL_INVALID, `${r.origin}:${r.seq} is not the seal the feed's basis names: the basis is false`);
    }
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
