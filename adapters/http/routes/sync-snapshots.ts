import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SmolError, ErrorCodes } from '../../../core/errors.js';
import type { SignedRequest } from '../../sync/request-auth.js';
import type { SnapshotStore } from '../../vision/snapshots/snapshot-store.js';
import { Slots } from '../body-gate.js';

/**
 * The largest snapshot a peer may send: 8 MiB, 4 bits a pixel at the largest frame a camera may
 * be configured for (4096×4096), about twice what a quality-80 JPEG of a detailed scene takes. It
 * is held in memory to hash and decode (two at a time), so it is far below the store's 32 MiB read cap.
 */
export const MAX_SYNCED_SNAPSHOT_BYTES = 8 << 20;
/** Hashes one `have` request may ask about. */
export const MAX_HAVE_HASHES = 500;
/** A `have` body: 500 hashes as JSON, with room to spare. */
const MAX_HAVE_BYTES = 64 << 10;

const HASH = /^[0-9a-f]{64}$/;
const HaveBody = z.object({ hashes: z.array(z.string().regex(HASH)).max(MAX_HAVE_HASHES) }).strict();

/** What the snapshot routes borrow from the sync plugin they are registered in. */
export interface SyncSnapshotDeps {
  readonly store: SnapshotStore;
  readonly maxBytes: number;
  readonly signedOnly: (maxBytes: number, upload: boolean | Slots, check?: (signed: SignedRequest, request: FastifyRequest) => void) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** A signed request's verified body, whole (passed in: sync.ts imports this file). */
  readonly signedBody: (request: FastifyRequest) => Promise<Buffer>;
  /** A signed request's JSON body checked by `schema`, or SMOL_BAD_REQUEST with `message`. */
  readonly signedJson: <T>(request: FastifyRequest, schema: z.ZodType<T>, message: string) => Promise<T>;
}

/**
 * Snapshot files between trusted nodes (vision.snapshots.sync on the sender), signed like the
 * segment routes and registered inside the sync plugin (same verifier, nonces, error statuses):
 *
 *   POST /sync/snapshots/have {hashes: [≤500]}   → 200 {missing: [...]}: those this node lacks
 *   PUT  /sync/snapshots/<sha256>  <image/jpeg>   → 204 stored (or already here)
 *
 * A PUT is refused from its header alone when the signed body digest is not the name (400
 * SMOL_BAD_REQUEST) or it is larger than `maxBytes` (413); the body then must be the signed one,
 * a JPEG that decodes (400 SMOL_FRAME_INVALID). Nothing is stored unless all of that holds.
 */
export function syncSnapshotRoutes(app: FastifyInstance, deps: SyncSnapshotDeps): void {
  const { store, signedOnly, signedBody, signedJson } = deps;
  // Each PUT holds its body in memory until it is hashed, decoded and written.
  const receiving = new Slots(2, 'snapshot uploads');
  const nameOf = (request: FastifyRequest): string => {
    const { sha256 } = request.params as { sha256?: string };
    if (typeof sha256 !== 'string' || !HASH.test(sha256)) throw new SmolError(ErrorCodes.BAD_REQUEST, 'a snapshot is named by its sha256: 64 lowercase hex digits');
    return sha256;
  };
  const sameName = (signed: SignedRequest, request: FastifyRequest) => {
    if (signed.sha256 !== nameOf(request)) throw new SmolError(ErrorCodes.BAD_REQUEST, `the signed body (sha256 ${signed.sha256.slice(0, 12)}…) is not snapshot ${nameOf(request).slice(0, 12)}…`);
  };

  app.post('/sync/snapshots/have', { onRequest: signedOnly(MAX_HAVE_BYTES, false), config: { body: 'signed' } }, async (request: FastifyRequest) => {
    const body = await signedJson(request, HaveBody, `the body must be {"hashes": [<sha256>, …at most ${MAX_HAVE_HASHES}]}`);
    return { missing: [...new Set(body.hashes)].filter((h) => !store.has(h)) };
  });

  app.put('/sync/snapshots/:sha256', { onRequest: signedOnly(deps.maxBytes, receiving, sameName), config: { body: 'signed' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers['content-type'] !== 'image/jpeg') throw new SmolError(ErrorCodes.BAD_REQUEST, 'send a snapshot as image/jpeg');
    await store.putReceived(nameOf(request), await signedBody(request));
    return reply.status(204).send();
  });
}
