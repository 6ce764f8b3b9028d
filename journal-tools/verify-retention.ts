import { GENESIS_PREV } from '../core/events/event.js';
import { checkBasis, type BasisProof, type FeedBasis } from '../core/journal/basis/feed-basis.js';
import type { Journal } from '../core/journal/journal.js';
import { isSmolError } from '../core/errors.js';

/**
 * The retention part of `journal verify`: where each feed starts (its basis, when retention dropped
 * its oldest events, else seq 1 from genesis), whether that basis is proven by its origin's seal, and
 * how many positions before the first held one were dropped.
 */

/** Where verification of one feed starts. */
export interface FeedStart {
  /** The first seq of the feed's chain (1, or the basis + 1). */
  readonly seq: number;
  /** The hash the first event must name as prev (genesis, or the basis hash). */
  readonly prev: string;
  readonly basis: FeedBasis | undefined;
  /** How the basis is proven; for 'chain', the walk must meet the seal event with that hash. */
  readonly proof: BasisProof | undefined;
  /** Why the basis is not proven (SMOL_SEAL_INVALID's message). */
  readonly unproven: string | undefined;
}

/** Where `origin`'s feed starts in `journal`, its basis checked. */
export function feedStart(journal: Journal, origin: string): FeedStart {
  const basis = journal.basis?.(origin);
  if (!basis) return { seq: 1, prev: GENESIS_PREV, basis: undefined, proof: undefined, unproven: undefined };
  try {
    return { seq: basis.seq + 1, prev: basis.hash, basis, proof: checkBasis(origin, basis), unproven: undefined };
  } catch (err) {
    return { seq: basis.seq + 1, prev: basis.hash, basis, proof: undefined, unproven: isSmolError(err) ? err.message : String(err) };
  }
}

/** Events of `origin` still held at or below its basis (an import started the feed at a peer's basis, or a drop is under way). */
export async function countBelowBasis(journal: Journal, origin: string, basis: FeedBasis | undefined): Promise<number> {
  if (!basis) return 0;
  let n = 0;
  for await (const _ of journal.readOrigin(origin, 1, basis.seq)) n++;
  return n;
}

/** The first log position held (lastPosition + 1 when the log is empty): positions before it were dropped. */
export async function firstHeldPosition(journal: Journal): Promise<number> {
  for await (const e of journal.read({ limit: 1 })) return e.position;
  return journal.lastPosition() + 1;
}
