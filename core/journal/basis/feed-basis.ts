import { z } from 'zod';
import { decodeBody, hashBody } from '../../events/codec.js';
import { FeedSealed, sealMessage } from '../../events/core-events.js';
import { nodeIdFromPublicKey, verifyMessage } from '../../identity/node-identity.js';
import { SmolError, ErrorCodes } from '../../errors.js';

/**
 * Where a feed starts once retention dropped its oldest events: the last dropped seq and its hash,
 * and the origin's `feed.sealed` that proves that hash is the origin's. The seal is kept whole (its
 * event body, ~250 bytes): it is the first seal of the feed after the basis, at seq `seal.seq`:
 *
 * - `seal.seq === seq + 1`: the seal signs exactly (seq, hash) — the basis proves itself;
 * - `seal.seq === seq`: the basis *is* that seal (every stored event of the feed was dropped): its
 *   hash is the hash of the body, whose prev the signature covers;
 * - `seal.seq > seq + 1`: the signature covers seq `seal.seq - 1`, and the events between (which
 *   are held: only the range up to `seq` was dropped) chain the basis hash to it.
 */
export interface FeedBasis {
  readonly seq: number;
  readonly hash: string;
  readonly seal: { readonly seq: number; readonly body: string };
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seqSchema = z.number().int().min(1).max(2 ** 48 - 1);

/** A basis as it travels (segment header) or is stored (journal meta): validated at the edge. */
export const feedBasisSchema = z
  .object({
    seq: seqSchema,
    hash: hex64,
    seal: z.object({ seq: seqSchema, body: z.string().min(1).max(4096) }).strict(),
  })
  .strict();

/** How a basis is proven: by the seal alone, or by the seal and the held events up to it. */
export type BasisProof = { readonly by: 'seal' } | { readonly by: 'chain'; readonly sealSeq: number; readonly sealHash: string };

/**
 * Checks a basis of `origin`: the seal body decodes to a `feed.sealed` of `origin` at `seal.seq`,
 * signed by the key the origin id derives from, over the event before it; and it covers the basis
 * (directly, or — proof `chain` — through held events whose seal event must hash to `sealHash`).
 * Throws SMOL_SEAL_INVALID saying what does not hold.
 */
export function checkBasis(origin: string, basis: FeedBasis): BasisProof {
  const bad = (why: string) => new SmolError(ErrorCodes.SEAL_INVALID, `the basis ${origin}:${basis.seq} is not proven: ${why}`);
  const body = Buffer.from(basis.seal.body, 'base64url');
  let event;
  try {
    event = decodeBody(origin, body);
  } catch {
    throw bad('its seal does not decode');
  }
  if (event.type !== 'feed.sealed' || event.v !== 1 || event.seq !== basis.seal.seq) throw bad(`its seal is not a feed.sealed at seq ${basis.seal.seq}`);
  const data = FeedSealed.safeParse(event.data);
  if (!data.success) throw bad('its seal has malformed data');
  const seal = data.data;
  if (nodeIdFromPublicKey(seal.publicKey) !== origin) throw bad(`its seal is signed with a key that is not ${origin}'s`);
  if (seal.seq !== event.seq - 1 || seal.hash !== event.prev) throw bad('its seal does not name the event before it');
  if (!verifyMessage(seal.publicKey, sealMessage(origin, seal.seq, seal.hash), seal.signature)) throw bad(`its seal's signature does not verify: it was forged or altered`);
  const sealHash = hashBody(origin, body);
  if (basis.seal.seq === basis.seq) {
    if (sealHash !== basis.hash) throw bad('the basis is its seal, but the hashes differ');
    return { by: 'seal' };
  }
  if (basis.seal.seq === basis.seq + 1) {
    if (seal.hash !== basis.hash) throw bad('its seal signs another hash at that seq');
    return { by: 'seal' };
  }
  if (basis.seal.seq < basis.seq) throw bad(`its seal (seq ${basis.seal.seq}) lies before the basis`);
  return { by: 'chain', sealSeq: basis.seal.seq, sealHash };
}

/** The meta key of an origin's basis (meta sublevel, JSON value). */
export function basisMetaKey(origin: string): string {
  return `basis!${origin}`;
}

/** A one-line description for reports: where the feed starts and how that is proven. */
export function describeBasis(origin: string, basis: FeedBasis): string {
  return `${origin} starts after ${basis.seq} (basis ${basis.hash.slice(0, 12)}…, sealed at ${basis.seal.seq})`;
}
