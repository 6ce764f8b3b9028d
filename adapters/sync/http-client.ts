import type { VersionVector } from '../../core/journal/journal.js';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import { mergeVectors } from '../../core/sync/vector.js';
import type { SyncService } from './sync-service.js';
import { HttpTransport, type HttpResult } from './http-transport.js';
import { signRequest, SYNC_AUTH_HEADER, SYNC_TIME_HEADER } from './request-auth.js';

const SEGMENT_CONTENT_TYPE = 'application/x-smollama-segment';

/** A configured HTTP peer. */
export interface PeerTarget {
  readonly name: string;
  readonly url: string;
}

/** What one sync round with a peer moved. */
export interface RoundResult {
  readonly peer: string;
  readonly received: number;
  readonly sent: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  readonly requests: number;
  readonly peerVector: VersionVector;
  /** The peer's clock minus ours (ms), from its last answer. */
  readonly clockOffsetMs: number | null;
  readonly durationMs: number;
  /** Segments the peer sent that we hold until a gap fills. */
  readonly held: number;
  /** Events moved either way other than seals and sync bookkeeping: worth a sync.completed. */
  readonly substantive: number;
  /** Ranges we lacked that retention dropped on the peer: those feeds now start at its basis. */
  readonly dropped?: ReadonlyArray<{ readonly origin: string; readonly from: number; readonly to: number }>;
}

export interface SyncClientOptions {
  readonly now?: () => number;
  readonly timeoutMs?: number;
}

/**
 * Syncs with a peer over HTTP: pull what we lack (segments of at most sync.maxSegmentEvents, until
 * the peer has nothing sealed left for us), then push what it lacks, by the same rule. A cut
 * connection loses at most the segment in flight: the next round starts from the vectors as they are.
 * Throws SMOL_SYNC_PEER_FAILED (unreachable, bad answer) or the peer's refusal code.
 */
export class SyncClient {
  private readonly transport = new HttpTransport();
  private readonly offsets = new Map<string, number>();
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly service: SyncService, options: SyncClientOptions = {}) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async syncWith(target: PeerTarget): Promise<RoundResult> {
    const started = this.now();
    const { service } = this;
    const journal = service.journal;
    const max = service.config.maxSegmentEvents;
    let bytesSent = 0;
    let bytesReceived = 0;
    let requests = 0;
    let received = 0;
    let sent = 0;
    let held = 0;
    let substantive = 0;
    let peer = '';
    let peerVector: VersionVector = {};
    const dropped: Array<{ origin: string; from: number; to: number }> = [];
    const call = async (path: string, body: Buffer, contentType: string): Promise<HttpResult> => {
      requests++;
      const res = await this.call(target, path, body, contentType);
      bytesSent += res.bytesSent;
      bytesReceived += res.bytesReceived;
      peer = String(res.headers['x-smollama-node'] ?? peer);
      return res;
    };

    for (let more = true; more; ) {
      const mine = journal.vector();
      const res = await call('/sync/pull', Buffer.from(JSON.stringify({ vector: mine, max, bases: true })), 'application/json');
      peerVector = readVector(res, mine, target);
      more = false;
      if (res.status === 200) {
        const [first, ...retried] = await service.importBytes(res.body, `pull from ${target.name}`);
        if (first!.status === 'failed') throw new SmolError(first!.code as never, `${target.name}: ${first!.message}`);
        if (first!.status === 'held') held++;
        for (const r of [first!, ...retried]) dropped.push(...(r.dropped ?? []));
        const applied = first!.applied + retried.reduce((n, r) => n + r.applied, 0);
        substantive += first!.substantive + retried.reduce((n, r) => n + r.substantive, 0);
        received += applied;
        more = applied > 0 && Number(res.headers['x-smollama-left-out'] ?? 0) > 0;
      }
    }
    if (peer) await service.peers.update(peer, (p) => ({ ...p, known: mergeVectors(p.known, peerVector), lastImportAt: new Date(this.now()).toISOString() }));

    for (let more = true; more; ) {
      more = false;
      const planned = await service.planFor(peerVector, { maxEvents: max });
      if (!planned) break;
      const chunks: Buffer[] = [];
      for await (const c of planned.stream) chunks.push(c);
      const res = await call('/sync/push', Buffer.concat(chunks), SEGMENT_CONTENT_TYPE);
      const answer = JSON.parse(res.body.toString('utf8')) as { applied?: number; substantive?: number };
      substantive += answer.substantive ?? 0;
      peerVector = readVector(res, peerVector, target);
      sent += answer.applied ?? 0;
      more = planned.leftOut > 0 && (answer.applied ?? 0) > 0;
    }
    if (peer) await service.peers.update(peer, (p) => ({ ...p, known: mergeVectors(p.known, peerVector) }));
    const offset = this.offsets.get(target.url);
    return { peer, received, sent, bytesSent, bytesReceived, requests, peerVector, clockOffsetMs: offset ?? null, durationMs: this.now() - started, held, substantive, dropped };
  }

  /**
   * One signed request to a peer's /sync/* route (also for the snapshot sender); on a refusal for
   * clock skew, learns the peer's clock and retries once. Throws SMOL_SYNC_PEER_FAILED or the peer's code.
   */
  async call(target: PeerTarget, path: string, body: Buffer, contentType: string, method: 'POST' | 'PUT' = 'POST'): Promise<HttpResult> {
    for (let attempt = 0; ; attempt++) {
      const ts = this.now() + (this.offsets.get(target.url) ?? 0);
      const auth = signRequest({
        method,
        path,
        cluster: this.service.config.cluster,
        node: this.service.journal.nodeId,
        body,
        ts,
        sign: (m) => this.service.sign(Buffer.from(m)),
      });
      let res: HttpResult;
      try {
        res = await this.transport.request({
          method,
          url: new URL(path, target.url),
          headers: { 'content-type': contentType, [SYNC_AUTH_HEADER]: auth },
          body,
          maxBody: 512 << 20,
          timeoutMs: this.timeoutMs,
        });
      } catch (err) {
        throw new SmolError(ErrorCodes.SYNC_PEER_FAILED, `${target.name} (${target.url}): ${(err as Error).message}`, { cause: err });
      }
      const peerTime = Number(res.headers[SYNC_TIME_HEADER]);
      const before = this.offsets.get(target.url) ?? 0;
      if (Number.isFinite(peerTime) && peerTime > 0) this.offsets.set(target.url, peerTime - this.now());
      if (res.status < 300) return res;
      const error = parseError(res);
      if (error.code === ErrorCodes.AUTH_INVALID && attempt === 0 && Math.abs((this.offsets.get(target.url) ?? 0) - before) > 1000) continue;
      throw new SmolError(isKnownCode(error.code) ? error.code : ErrorCodes.SYNC_PEER_FAILED, `${target.name}: ${error.message}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function readVector(res: HttpResult, same: VersionVector, target: PeerTarget): VersionVector {
  const header = res.headers['x-smollama-vector'];
  if (header === 'same') return { ...same };
  try {
    const v = JSON.parse(String(header)) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) return v as VersionVector;
  } catch {
    // fall through
  }
  throw new SmolError(ErrorCodes.SYNC_PEER_FAILED, `${target.name} answered without a valid version vector (is ${target.url} a smollama node?)`);
}

function parseError(res: HttpResult): { code: string; message: string } {
  try {
    const body = JSON.parse(res.body.toString('utf8')) as { error?: { code?: string; message?: string } };
    return { code: body.error?.code ?? ErrorCodes.SYNC_PEER_FAILED, message: body.error?.message ?? `HTTP ${res.status}` };
  } catch {
    return { code: ErrorCodes.SYNC_PEER_FAILED, message: `HTTP ${res.status} (not a smollama answer)` };
  }
}

function isKnownCode(code: string): code is SmolError['code'] {
  return Object.values(ErrorCodes).includes(code as never);
}
