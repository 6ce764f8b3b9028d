import { createHash, randomBytes } from 'node:crypto';
import { verifyMessage } from '../../core/identity/node-identity.js';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import type { NonceLog } from './nonce-log.js';

/**
 * Sync requests are signed with the sending node's key, over method, path, cluster, sender, time,
 * a nonce and the body's length and sha-256. Everything the receiver needs to decide is in the
 * header, so it refuses an unknown sender, a bad signature, a stale time or a replayed nonce before
 * it reads a byte of the body; it then checks the body against the signed length and digest as
 * it streams in. The receiver accepts a request once: inside a time window around its own clock,
 * and never the same nonce twice (nonces are kept on disk, so a restart does not forget them).
 *
 *   x-smollama-sync: v2 node=<id> ts=<ms> nonce=<32 hex> len=<bytes> sha256=<64 hex> sig=<base64url>
 *
 * Every sync answer carries `x-smollama-time` (the receiver's clock), so a node without a
 * real-time clock learns the offset from its first refused request and signs the next one right.
 * v1 headers (no length) are refused: verifying them meant buffering the whole body first.
 */
export const SYNC_AUTH_HEADER = 'x-smollama-sync';
export const SYNC_TIME_HEADER = 'x-smollama-time';

function message(method: string, path: string, cluster: string, node: string, ts: number, nonce: string, length: number, sha256: string): string {
  return ['smollama-sync:v2', method.toUpperCase(), path, cluster, node, String(ts), nonce, String(length), sha256].join('\n');
}

export interface SignRequestInput {
  readonly method: string;
  readonly path: string;
  readonly cluster: string;
  readonly node: string;
  readonly body: Uint8Array;
  readonly ts: number;
  readonly sign: (message: string) => string;
  readonly nonce?: string;
}

/** The auth header value for one request. */
export function signRequest(r: SignRequestInput): string {
  const nonce = r.nonce ?? randomBytes(16).toString('hex');
  const sha256 = createHash('sha256').update(r.body).digest('hex');
  const sig = r.sign(message(r.method, r.path, r.cluster, r.node, r.ts, nonce, r.body.length, sha256));
  return `v2 node=${r.node} ts=${r.ts} nonce=${nonce} len=${r.body.length} sha256=${sha256} sig=${sig}`;
}

/** A request whose header verified: who sent it, and what its body must be. */
export interface SignedRequest {
  readonly node: string;
  readonly length: number;
  readonly sha256: string;
  readonly nonce: string;
}

export interface RequestVerifierOptions {
  readonly cluster: string;
  readonly windowMs: number;
  readonly now: () => number;
  /** The public key of a trusted node, or undefined when the node is not trusted. */
  readonly keyOf: (nodeId: string) => string | undefined;
  /** Accepted nonces, durable across restarts. */
  readonly nonces: NonceLog;
  /** Most nonces remembered at once; past it requests are refused as busy, never forgotten early (default 100,000). */
  readonly maxNonces?: number;
}

const V2 = /^v2 node=(n[a-z2-7]{20}) ts=(\d{1,16}) nonce=([0-9a-f]{32}) len=(\d{1,12}) sha256=([0-9a-f]{64}) sig=([A-Za-z0-9_-]{86})$/;

/** Checks signed sync requests from their header alone; remembers nonces so none is accepted twice. */
export class RequestVerifier {
  constructor(private readonly options: RequestVerifierOptions) {}

  /**
   * Verifies the header of a request whose body has `contentLength` bytes (from Content-Length),
   * of at most `maxBytes`, and records its nonce durably. Reads no body.
   * Throws SMOL_AUTH_REQUIRED (no header), SMOL_AUTH_INVALID (malformed, v1, outside the time
   * window, bad signature, length other than the signed one), SMOL_BODY_TOO_LARGE,
   * SMOL_UNTRUSTED_NODE, SMOL_AUTH_REPLAYED, SMOL_HTTP_BUSY (too many nonces in the window).
   */
  async verifyHeader(method: string, path: string, header: string | undefined, contentLength: number, maxBytes: number): Promise<SignedRequest> {
    if (!header) throw new SmolError(ErrorCodes.AUTH_REQUIRED, `sync requests must be signed (${SYNC_AUTH_HEADER} header)`);
    if (header.startsWith('v1 ')) throw new SmolError(ErrorCodes.AUTH_INVALID, `${SYNC_AUTH_HEADER} v1 is no longer accepted (it needs the whole body before the signature can be checked); update the sending node`);
    const m = V2.exec(header);
    if (!m) throw new SmolError(ErrorCodes.AUTH_INVALID, `malformed ${SYNC_AUTH_HEADER} header`);
    const [, node, tsText, nonce, lenText, sha256, sig] = m as unknown as [string, string, string, string, string, string, string];
    const length = Number(lenText);
    if (length > maxBytes) throw new SmolError(ErrorCodes.BODY_TOO_LARGE, `the body of ${path} may be at most ${maxBytes} bytes (this one says ${length})`, { details: { maxBytes } });
    if (length !== contentLength) throw new SmolError(ErrorCodes.AUTH_INVALID, `Content-Length ${contentLength} is not the signed length ${length}`);
    const key = this.options.keyOf(node);
    if (!key) throw new SmolError(ErrorCodes.UNTRUSTED_NODE, `node ${node} is not in this node's trust list (smollama trust add <its key>)`);
    const ts = Number(tsText);
    const now = this.options.now();
    if (Math.abs(now - ts) > this.options.windowMs) {
      throw new SmolError(ErrorCodes.AUTH_INVALID, `the request is signed for ${new Date(ts).toISOString()}, more than ${this.options.windowMs} ms from this node's clock`, { details: { serverTime: now } });
    }
    if (!verifyMessage(key, message(method, path, this.options.cluster, node, ts, nonce, length, sha256), sig)) {
      throw new SmolError(ErrorCodes.AUTH_INVALID, `the request signature does not verify for ${node} in cluster "${this.options.cluster}"`);
    }
    const { nonces } = this.options;
    if (nonces.has(nonce)) throw new SmolError(ErrorCodes.AUTH_REPLAYED, 'this request was already received once (replayed)');
    if (nonces.size >= (this.options.maxNonces ?? 100_000)) throw new SmolError(ErrorCodes.HTTP_BUSY, 'too many signed requests in the time window; try again later');
    // Until the signed time leaves the window: a request signed ahead of our clock stays valid that much longer.
    await nonces.record(nonce, Math.max(ts, now) + this.options.windowMs);
    return { node, length, sha256, nonce };
  }
}

/** Throws SMOL_AUTH_INVALID when a received body is not the one the header signed. */
export function checkSignedBody(signed: SignedRequest, length: number, sha256: string): void {
  if (length !== signed.length || sha256 !== signed.sha256) {
    throw new SmolError(ErrorCodes.AUTH_INVALID, `the body (${length} bytes) is not the one the request signed (${signed.length} bytes, sha-256 ${signed.sha256.slice(0, 12)}…)`);
  }
}
