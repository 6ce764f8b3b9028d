import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SmolError, ErrorCodes, isSmolError, type ErrorCode } from '../../../core/errors.js';
import { handleError } from '../http-errors.js';
import { isNodeId } from '../../../core/identity/node-identity.js';
import { sameVector, mergeVectors, lagOf } from '../../../core/sync/vector.js';
import type { VersionVector } from '../../../core/journal/journal.js';
import type { SyncService } from '../../sync/sync-service.js';
import { checkSignedBody, RequestVerifier, SYNC_AUTH_HEADER, SYNC_TIME_HEADER, type SignedRequest } from '../../sync/request-auth.js';
import { NonceLog, nonceLogPath } from '../../sync/nonce-log.js';
import type { PeerLoop } from '../../sync/peer-loop.js';
import { requireScope } from '../auth/guard.js';
import { closeIfBodyUnread, declaredLength, sendContinue, Slots } from '../body-gate.js';
import type { SnapshotStore } from '../../vision/snapshots/snapshot-store.js';
import { syncSnapshotRoutes, MAX_SYNCED_SNAPSHOT_BYTES } from './sync-snapshots.js';

/** How much a signed sync request may make the node receive. */
export interface SyncBodyLimits {
  /** Largest pushed segment (bytes); it is streamed to a file in the data dir, never held whole. */
  readonly maxPushBytes: number;
  /** Largest pull request (a version vector, JSON). */
  readonly maxPullBytes: number;
  /** Pushes received at once; more are answered SMOL_HTTP_BUSY. */
  readonly maxUploads: number;
  /** Largest snapshot a peer may send (PUT /sync/snapshots/<sha256>); it is held in memory to hash and decode. */
  readonly maxSnapshotBytes: number;
}

export const DEFAULT_SYNC_BODY_LIMITS: SyncBodyLimits = { maxPushBytes: 256 << 20, maxPullBytes: 1 << 20, maxUploads: 2, maxSnapshotBytes: MAX_SYNCED_SNAPSHOT_BYTES };

/** What the sync routes need: the node's sync service, its peer loop if any, and the time. */
export interface SyncRouteDeps {
  readonly service: SyncService;
  readonly loop?: PeerLoop;
  readonly now?: () => number;
  readonly limits?: Partial<SyncBodyLimits>;
  /** This node's snapshot store: peers' snapshots are received into it (absent: no /sync/snapshots routes). */
  readonly snapshots?: SnapshotStore;
}

export const SEGMENT_CONTENT_TYPE = 'application/x-smollama-segment';
export const VECTOR_HEADER = 'x-smollama-vector';
export const NODE_HEADER = 'x-smollama-node';
export const LEFT_OUT_HEADER = 'x-smollama-left-out';
/** Ranges the caller lacks that retention dropped here (JSON [{origin, from, to}]): the segment starts those feeds at their basis. */
export const DROPPED_HEADER = 'x-smollama-dropped';

/** Statuses for refusals only sync produces; the rest as the app maps them. */
const SYNC_STATUS: Partial<Record<ErrorCode, number>> = {
  SMOL_AUTH_REQUIRED: 401,
  SMOL_AUTH_INVALID: 401,
  SMOL_AUTH_REPLAYED: 401,
  SMOL_UNTRUSTED_NODE: 403,
  SMOL_SEGMENT_FOREIGN_CLUSTER: 403,
  SMOL_SEGMENT_CONFLICT: 409,
  SMOL_SEGMENT_GAP: 409,
  SMOL_CHAIN_BROKEN: 409,
  SMOL_SEAL_INVALID: 422,
  SMOL_SEGMENT_UNSEALED: 422,
  SMOL_SEGMENT_SIGNATURE: 422,
  SMOL_EVENT_INVALID: 422,
  SMOL_EVENT_UNKNOWN_TYPE: 422,
  SMOL_BAD_REQUEST: 400,
  SMOL_FRAME_INVALID: 400,
  SMOL_BODY_TOO_LARGE: 413,
  SMOL_HTTP_BUSY: 503,
};

const PullBody = z
  .object({
    vector: z.record(z.string().refine(isNodeId, 'not a node id'), z.number().int().min(0)),
    max: z.number().int().min(1).optional(),
    /** The caller can start a feed at our basis where retention dropped what it lacks (else 410 SMOL_JOURNAL_RANGE_DROPPED). */
    bases: z.boolean().optional(),
  })
  .strict();

/** The peer's vector as a response header: `same` when it equals the one the caller sent. */
export function vectorHeader(mine: VersionVector, theirs: VersionVector | undefined): string {
  return theirs && sameVector(mine, theirs) ? 'same' : JSON.stringify(mine);
}

/** Reads a body whose header verified, chunk by chunk, checking it against the signed length and digest. */
async function receiveSigned(body: AsyncIterable<Buffer>, signed: SignedRequest, write: (chunk: Buffer) => unknown): Promise<void> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    // Node stops a body at its Content-Length, which the header verified; this is the belt to those braces.
    if (length > signed.length) break;
    hash.update(chunk);
    await write(chunk);
  }
  checkSignedBody(signed, length, hash.digest('hex'));
}

/**
 * `/sync/*`: segment exchange between trusted nodes, every request signed by the sender's key.
 *
 *   POST /sync/pull  {vector, max?}  → 200 segment of what the caller lacks (cut at seals, at most
 *                                       `max` events) or 204; x-smollama-vector: what we hold
 *   POST /sync/push  <segment>       → 200 {status, applied, code, message}; x-smollama-vector
 *   POST /sync/snapshots/have, PUT /sync/snapshots/<sha256>: snapshot files (sync-snapshots.ts)
 *
 * The signed header (request-auth.ts) is checked in onRequest, before a byte of the body is read;
 * a refused request is answered and its connection closed. A pushed segment streams to a file
 * under the data dir and is imported from there. Both answers carry x-smollama-time, so a caller
 * with a wrong clock can correct its signature.
 */
export async function syncPlugin(app: FastifyInstance, deps: SyncRouteDeps): Promise<void> {
  const { service } = deps;
  const now = deps.now ?? Date.now;
  const limits = { ...DEFAULT_SYNC_BODY_LIMITS, ...deps.limits };
  const nonces = await NonceLog.open(nonceLogPath(service.dataDir), now);
  app.addHook('onClose', () => nonces.close());
  const verifier = new RequestVerifier({
    cluster: service.config.cluster,
    windowMs: service.config.requestWindowMs,
    now,
    keyOf: (id) => service.trust.get(id)?.publicKey,
    nonces,
  });
  const uploads = new Slots(limits.maxUploads, 'sync pushes');
  const incoming = join(service.dataDir, 'sync', 'incoming');
  // Pushes cut off by a crash leave their partial files; no one will finish them.
  await rm(incoming, { recursive: true, force: true });
  const signedOf = new WeakMap<FastifyRequest, SignedRequest>();

  // Bodies stay unread streams here: they are read only after the header verified, and checked as they come.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.setErrorHandler((error, request, reply) => {
    const status = isSmolError(error) ? SYNC_STATUS[error.code] : undefined;
    if (status === undefined || !isSmolError(error)) return handleError(error as Error, request, reply);
    if (error.code === ErrorCodes.HTTP_BUSY) void reply.header('retry-after', '1');
    void reply.status(status).send({ error: { code: error.code, message: error.message } });
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header(SYNC_TIME_HEADER, String(now()));
  });
  app.addHook('onSend', closeIfBodyUnread);

  /** onRequest of the signed routes: everything is decided from the headers. */
  const signedOnly = (maxBytes: number, upload: boolean | Slots, check?: (signed: SignedRequest, request: FastifyRequest) => void) => async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers[SYNC_AUTH_HEADER];
    const auth = Array.isArray(header) ? header[0] : header;
    if (!auth) throw new SmolError(ErrorCodes.AUTH_REQUIRED, `sync requests must be signed (${SYNC_AUTH_HEADER} header)`);
    const length = declaredLength(request);
    if (length === undefined) throw new SmolError(ErrorCodes.BAD_REQUEST, 'sync requests need a Content-Length (no chunked bodies)');
    if (length > maxBytes) throw new SmolError(ErrorCodes.BODY_TOO_LARGE, `the body of ${request.url} may be at most ${maxBytes} bytes (Content-Length ${length})`, { details: { maxBytes } });
    await service.trust.refresh();
    const signed = await verifier.verifyHeader(request.method, request.url, auth, length, maxBytes);
    check?.(signed, request);
    if (upload) (upload === true ? uploads : upload).acquire(reply);
    signedOf.set(request, signed);
    sendContinue(request, reply);
  };
  const bodyOf = (request: FastifyRequest): AsyncIterable<Buffer> => (request.body as AsyncIterable<Buffer> | undefined) ?? Readable.from([]);
  /** A signed request's verified body, whole (signedOnly capped its length). */
  const signedBody = async (request: FastifyRequest): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    await receiveSigned(bodyOf(request), signedOf.get(request)!, (c) => chunks.push(c));
    return Buffer.concat(chunks);
  };
  /** A signed request's JSON body checked by `schema`; SMOL_BAD_REQUEST with `message` otherwise. */
  const signedJson = async <T>(request: FastifyRequest, schema: z.ZodType<T>, message: string): Promise<T> => {
    const raw = await signedBody(request);
    try {
      return schema.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      throw new SmolError(ErrorCodes.BAD_REQUEST, message);
    }
  };

  // For the dashboard and tests: what this node holds and how its peers are doing (read scope).
  app.get('/sync/status', { onRequest: requireScope('read') }, async () => ({
    node: service.journal.nodeId,
    cluster: service.config.cluster,
    vector: service.journal.vector(),
    lastPosition: service.journal.lastPosition(),
    pending: (await service.pendingFiles()).length,
    trusted: service.trust.list().map((n) => ({ nodeId: n.nodeId, name: n.name, source: n.source })),
    peers: [...(deps.loop?.status.values() ?? [])].map((p) => ({
      ...p,
      lastResult: p.lastResult && { ...p.lastResult },
      // Events we hold that the peer lacked at the last exchange (ours may have grown since).
      lag: p.lastResult ? lagOf(service.journal.vector(), p.lastResult.peerVector) : null,
    })),
    // Per other origin: when we received its newest event and how far its clock runs ahead (null: within clock.maxOffsetMs).
    origins: service.originStatus(),
    // Per delivering peer: events it delivered that differ from ours (forged or forked data).
    conflicts: await service.conflicts(),
  }));

  app.post('/sync/pull', { onRequest: signedOnly(limits.maxPullBytes, false), config: { body: 'signed' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const peer = signedOf.get(request)!.node;
    const body = await signedJson(request, PullBody, 'the pull body must be {"vector": {<node id>: <seq>}, "max"?: n}');
    const max = Math.min(body.max ?? service.config.maxSegmentEvents, service.config.maxSegmentEvents);
    const planned = await service.planFor(body.vector, { maxEvents: max, acceptsBases: body.bases === true });
    const mine = planned?.header.basis ?? service.journal.vector();
    await service.peers.update(peer, (p) => ({ ...p, known: mergeVectors(p.known, body.vector) }));
    void reply.header(NODE_HEADER, service.journal.nodeId).header(VECTOR_HEADER, vectorHeader(mine, body.vector));
    if (!planned) return reply.status(204).send();
    void reply.header(LEFT_OUT_HEADER, String(planned.leftOut)).header('content-type', SEGMENT_CONTENT_TYPE);
    if (planned.dropped.length) void reply.header(DROPPED_HEADER, JSON.stringify(planned.dropped));
    return reply.send(Readable.from(planned.stream));
  });

  if (deps.snapshots) syncSnapshotRoutes(app, { store: deps.snapshots, maxBytes: limits.maxSnapshotBytes, signedOnly, signedBody, signedJson });

  app.post('/sync/push', { onRequest: signedOnly(limits.maxPushBytes, true), config: { body: 'signed' } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const signed = signedOf.get(request)!;
    const peer = signed.node;
    if (request.headers['content-type'] !== SEGMENT_CONTENT_TYPE) throw new SmolError(ErrorCodes.BAD_REQUEST, `push a segment as ${SEGMENT_CONTENT_TYPE}`);
    await mkdir(incoming, { recursive: true });
    const file = join(incoming, `${signed.nonce}.partial`);
    let reports;
    try {
      const fh = await open(file, 'wx', 0o600);
      try {
        await receiveSigned(bodyOf(request), signed, (c) => fh.write(c));
      } finally {
        await fh.close();
      }
      reports = await service.importFile(file, `push from ${peer}`);
    } finally {
      await rm(file, { force: true });
    }
    const [first, ...retried] = reports;
    if (first!.status === 'failed') throw new SmolError(first!.code as never, first!.message);
    void reply.header(NODE_HEADER, service.journal.nodeId).header(VECTOR_HEADER, JSON.stringify(service.journal.vector()));
    const all = [first!, ...retried];
    return {
      status: first!.status,
      applied: all.reduce((n, r) => n + r.applied, 0),
      substantive: all.reduce((n, r) => n + r.substantive, 0),
      code: first!.code ?? null,
      message: first!.message,
    };
  });
}

/** The sync routes as a route group of the app: absent sync deps register nothing. */
export async function syncRoutes(app: FastifyInstance, options: { deps: { sync?: SyncRouteDeps } }): Promise<void> {
  if (options.deps.sync) await syncPlugin(app, options.deps.sync);
}
