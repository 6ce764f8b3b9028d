import { checkBasis, type FeedBasis } from '../journal/basis/feed-basis.js';
import type { Journal } from '../journal/journal.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { SegmentHeader } from './segment-format.js';
import type { RangePlan } from './segment-verifier.js';

/**
 * Retention on import: a segment may start a feed at the exporter's basis (header `feedBases`),
 * because the exporter dropped that feed's oldest events. This decides, per such origin, whether we
 * start our copy at that basis, and fixes up the range plans of feeds that start at a basis — theirs
 * or ours — before the verifier reads a record.
 */

/** A feed we start at the exporter's basis: we held `heldTo` of it; `heldTo + 1 .. basis.seq` was dropped. */
export interface BasisAdoption {
  readonly origin: string;
  readonly basis: FeedBasis;
  readonly heldTo: number;
}

/** A range a peer cannot have any more: dropped by retention on the node that exported. */
export interface DroppedRange {
  readonly origin: string;
  readonly from: number;
  readonly to: number;
}

/** What journal.adoptBasis needs (LevelJournal has it). */
export type BasisJournal = Pick<Journal, 'nodeId' | 'heads' | 'get' | 'basis'> & {
  adoptBasis?(origin: string, basis: FeedBasis, now: number): Promise<void>;
};

/**
 * Checks every basis the header carries and plans what to do with it:
 * - its seal must verify (SMOL_SEAL_INVALID), and a basis proven only through the events up to its
 *   seal must come with them (the range must reach the seal);
 * - where we hold the basis seq, our hash there must be the basis hash (SMOL_SEGMENT_CONFLICT: a
 *   trusted peer that lies about a feed we hold);
 * - where our head is below it, we start the feed at it (an adoption): the range then applies from
 *   the basis instead of waiting for a gap that will never fill. Never for our own feed.
 * Ranges that lie at or below our own basis are marked held without a byte check (we no longer
 * hold those events to compare). Returns the new plans and the adoptions to make before applying.
 */
export async function planBases(header: SegmentHeader, journal: BasisJournal, plans: readonly RangePlan[]): Promise<{ plans: RangePlan[]; adoptions: BasisAdoption[] }> {
  const heads = journal.heads();
  const adoptions: BasisAdoption[] = [];
  const out = plans.map((p) => ownBasisPlan(p, journal.basis?.(p.origin)));
  for (const [origin, basis] of Object.entries(header.feedBases ?? {})) {
    const proof = checkBasis(origin, basis);
    const index = out.findIndex((p) => p.origin === origin);
    const plan = out[index];
    if (proof.by === 'chain' && (!plan || plan.to < proof.sealSeq)) {
      throw new SmolError(ErrorCodes.SEAL_INVALID, `the basis ${origin}:${basis.seq} is proven only by events up to ${proof.sealSeq}, and the segment does not carry them`);
    }
    const held = heads.get(origin)?.seq ?? 0;
    if (held >= basis.seq) {
      const ours = await ourHashAt(journal, origin, basis.seq);
      if (ours !== undefined && ours !== basis.hash) {
        throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `the segment says ${origin}'s feed starts after ${origin}:${basis.seq} with hash ${basis.hash.slice(0, 12)}…, but the event we hold there hashes to ${ours.slice(0, 12)}…: the basis is false`);
      }
      if (plan && proof.by === 'chain') out[index] = { ...plan, basisSeal: { seq: proof.sealSeq, hash: proof.sealHash } };
      continue;
    }
    if (origin === journal.nodeId) {
      throw new SmolError(ErrorCodes.SEGMENT_CONFLICT, `the segment starts this node's own feed at ${basis.seq}, past its head ${held}`);
    }
    adoptions.push({ origin, basis, heldTo: held });
    if (plan) {
      out[index] = {
        ...plan,
        status: 'apply',
        head: basis.seq,
        headHash: basis.hash,
        heldTo: 0,
        heldHash: undefined,
        ...(proof.by === 'chain' ? { basisSeal: { seq: proof.sealSeq, hash: proof.sealHash } } : {}),
      };
    }
  }
  return { plans: out, adoptions };
}

/** A range that reaches at or below our own basis: what lies there can no longer be compared, only what follows. */
function ownBasisPlan(p: RangePlan, basis: FeedBasis | undefined): RangePlan {
  if (!basis || p.heldTo === 0 || p.heldTo > basis.seq) return p;
  if (p.heldTo === basis.seq) return { ...p, heldHash: basis.hash };
  return { ...p, heldTo: 0, heldHash: undefined };
}

/** The hash of our event `origin:seq`, from the head, our basis or the event after it; undefined when we no longer hold it. */
async function ourHashAt(journal: BasisJournal, origin: string, seq: number): Promise<string | undefined> {
  const head = journal.heads().get(origin);
  if (head?.seq === seq) return head.hash;
  const ours = journal.basis?.(origin);
  if (ours && seq === ours.seq) return ours.hash;
  if (ours && seq < ours.seq) return undefined;
  const next = await journal.get(origin, seq + 1);
  return next?.event.prev;
}

/** Makes the planned adoptions (after the segment verified whole). Throws SMOL_JOURNAL_RANGE_DROPPED when this journal cannot start a feed at a basis. */
export async function adoptBases(journal: BasisJournal, adoptions: readonly BasisAdoption[], now: number): Promise<void> {
  for (const a of adoptions) {
    if (!journal.adoptBasis) throw new SmolError(ErrorCodes.JOURNAL_RANGE_DROPPED, `${a.origin} ${a.heldTo + 1}..${a.basis.seq} was dropped by the exporter, and this journal cannot start a feed at a basis`);
    await journal.adoptBasis(a.origin, a.basis, now);
  }
}

/** The message for a report: which ranges were dropped where they came from, and where the feeds now start. */
export function describeAdoptions(adoptions: readonly BasisAdoption[]): string {
  return adoptions.map((a) => `${a.origin} ${a.heldTo + 1}..${a.basis.seq} was dropped by retention where it came from; the feed continues from its basis ${a.origin}:${a.basis.seq}`).join('; ');
}
