import { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SmolError, ErrorCodes, isSmolError, type ErrorCode } from '../../../core/errors.js';
import { handleError } from '../http-errors.js';
import { isNodeId } from '../../../core/identity/node-identity.js';
import { sameVector, mergeVectors, lagOf } from '../../../core/sync/vector.js';
import type { VersionVector } from '../../../core/journal/journal.js';
import type { SyncService } from '../../sync/sync-service.js';
import { RequestVerifier, SYNC_AUTH_HEADER, SYNC_TIME_HEADER } from '../../sync/request-auth.js';
import type { PeerLoop } from '../../sync/peer-loop.js';
import { requireScope } from '../auth/guard.js';

/** What the sync routes need: the node's sync service, its peer loop if any, and the time. */
export interface SyncRouteDeps {
  readonly service: SyncService;
  readonly loop?: PeerLoop;
  readonly now?: () => number;
}

export const SEGMENT_CONTENT_TYPE = 'application/x-smollama-segment';
export const VECTOR_HEADER = 'x-smollama-vector';
export const NODE_HEADER = 'x-smollama-node';
export const LEFT_OUT_HEADER = 'x-smollama-left-out';
const MAX_PUSH_BYTES = 256 << 20;

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
};

const PullBody = z
  .object({
    vector: z.record(z.string().refine(isNodeId, 'not a node id'), z.number().int().min(0)),
    max: z.number().int().min(1).optional(),
  })
  .strict();

/** The peer's vector as a response header: `same` when it equals the one the caller sent. */
export function vectorHeader(mine: VersionVector, theirs: VersionVector | undefined): string {
  return theirs && sameVector(mine, theirs) ? 'same' : JSON.stringify(mine);
}

/**
 * `/sync/*`: segment exchange between trusted nodes, every request signed by the sender's key.
 *
 *   POST /sync/pull  {vector, max?}  → 200 segment of what the caller lacks (cut at seals, at most
 *                                       `max` events) or 204; x-smollama-vector: what we hold
 *   POST /sync/push  <segment>       → 200 {status, applied, code, message}; x-smollama-vector
 *
 * Both answers carry x-smollama-time, so a caller with a wrong clock can correct its signature.
 */
export async function syncPlugin(app: FastifyInstance, deps: SyncRouteDeps): Promise<void> {
  const { service } = deps;
  const now = deps.now ?? Date.now;
  const verifier = new RequestVerifier({
    cluster: service.config.cluster,
    windowMs: service.config.requestWindowMs,
    now,
    keyOf: (id) => service.trust.get(id)?.publicKey,
  });
  // Bodies stay raw bytes here: the signature covers them exactly as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', SEGMENT_CONTENT_TYPE], { parseAs: 'buffer', bodyLimit: MAX_PUSH_BYTES }, (_req, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const status = isSmolError(error) ? SYNC_STATUS[error.code] : undefined;
    if (status === undefined || !isSmolError(error)) return handleError(error as Error, request, reply);
    void reply.status(status).send({ error: { code: error.code, message: error.message } });
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header(SYNC_TIME_HEADER, String(now()));
  });

  const authenticate = async (request: FastifyRequest): Promise<string> => {
    await service.trust.refresh();
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers[SYNC_AUTH_HEADER];
    return verifier.verify(request.method, request.url, Array.isArray(header) ? header[0] : header, body);
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
  }));

  app.post('/sync/pull', async (request: FastifyRequest, reply: FastifyReply) => {
    const peer = await authenticate(request);
    let body: z.infer<typeof PullBody>;
    try {
      body = PullBody.parse(JSON.parse((request.body as Buffer).toString('utf8')));
    } catch {
      throw new SmolError(ErrorCodes.BAD_REQUEST, 'the pull body must be {"vector": {<node id>: <seq>}, "max"?: n}');
    }
    const max = Math.min(body.max ?? service.config.maxSegmentEvents, service.config.maxSegmentEvents);
    const planned = await service.planFor(body.vector, { maxEvents: max });
    const mine = planned?.header.basis ?? service.journal.vector();
    await service.peers.update(peer, (p) => ({ ...p, known: mergeVectors(p.known, body.vector) }));
    void reply.header(NODE_HEADER, service.journal.nodeId).header(VECTOR_HEADER, vectorHeader(mine, body.vector));
    if (!planned) return reply.status(204).send();
    void reply.header(LEFT_OUT_HEADER, String(planned.leftOut)).header('content-type', SEGMENT_CONTENT_TYPE);
    return reply.send(Readable.from(planned.stream));
  });

  app.post('/sync/push', async (request: FastifyRequest, reply: FastifyReply) => {
    const peer = await authenticate(request);
    if (request.headers['content-type'] !== SEGMENT_CONTENT_TYPE) throw new SmolError(ErrorCodes.BAD_REQUEST, `push a segment as ${SEGMENT_CONTENT_TYPE}`);
    const [first, ...retried] = await service.importBytes(request.body as Buffer, `push from ${peer}`);
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
