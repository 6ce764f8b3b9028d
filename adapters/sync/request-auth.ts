import { createHash, randomBytes } from 'node:crypto';
import { verifyMessage } from '../../core/identity/node-identity.js';
import { SmolError, ErrorCodes } from '../../core/errors.js';

/**
 * Sync requests are signed with the sending node's key, over method, path, cluster, sender, time,
 * a nonce and the body's sha-256. The receiver accepts a request once: inside a time window
 * around its own clock, and never the same nonce twice in that window.
 *
 *   x-smollama-sync: v1 node=<id> ts=<ms> nonce=<32 hex> sig=<base64url>
 *
 * Every sync answer carries `x-smollama-time` (the receiver's clock), so a node without a
 * real-time clock learns the offset from its first refused request and signs the next one right.
 */
export const SYNC_AUTH_HEADER = 'x-smollama-sync';
export const SYNC_TIME_HEADER = 'x-smollama-time';

function message(method: string, path: string, cluster: string, node: string, ts: number, nonce: string, body: Uint8Array): string {
  const digest = createHash('sha256').update(body).digest('hex');
  return ['smollama-sync:v1', method.toUpperCase(), path, cluster, node, String(ts), nonce, digest].join('\n');
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
  const sig = r.sign(message(r.method, r.path, r.cluster, r.node, r.ts, nonce, r.body));
  return `v1 node=${r.node} ts=${r.ts} nonce=${nonce} sig=${sig}`;
}

export interface RequestVerifierOptions {
  readonly cluster: string;
  readonly windowMs: number;
  readonly now: () => number;
  /** The public key of a trusted node, or undefined when the node is not trusted. */
  readonly keyOf: (nodeId: string) => string | undefined;
  /** Most nonces remembered (oldest forgotten first; default 100,000). */
  readonly maxNonces?: number;
}

/** Checks signed sync requests; remembers nonces for the window so none is accepted twice. */
export class RequestVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: RequestVerifierOptions) {}

  /**
   * Returns the sender's node id. Throws SMOL_AUTH_REQUIRED (no header), SMOL_AUTH_INVALID
   * (malformed, outside the time window, bad signature), SMOL_UNTRUSTED_NODE, SMOL_AUTH_REPLAYED.
   */
  verify(method: string, path: string, header: string | undefined, body: Uint8Array): string {
    if (!header) throw new SmolError(ErrorCodes.AUTH_REQUIRED, `sync requests must be signed (${SYNC_AUTH_HEADER} header)`);
    const m = /^v1 node=(n[a-z2-7]{20}) ts=(\d{1,16}) nonce=([0-9a-f]{32}) sig=([A-Za-z0-9_-]{86})$/.exec(header);
    if (!m) throw new SmolError(ErrorCodes.AUTH_INVALID, `malformed ${SYNC_AUTH_HEADER} header`);
    const [, node, tsText, nonce, sig] = m as unknown as [string, string, string, string, string];
    const key = this.options.keyOf(node);
    if (!key) throw new SmolError(ErrorCodes.UNTRUSTED_NODE, `node ${node} is not in this node's trust list (smollama trust add <its key>)`);
    const ts = Number(tsText);
    const now = this.options.now();
    if (Math.abs(now - ts) > this.options.windowMs) {
      throw new SmolError(ErrorCodes.AUTH_INVALID, `the request is signed for ${new Date(ts).toISOString()}, more than ${this.options.windowMs} ms from this node's clock`, { details: { serverTime: now } });
    }
    if (!verifyMessage(key, message(method, path, this.options.cluster, node, ts, nonce, body), sig)) {
      throw new SmolError(ErrorCodes.AUTH_INVALID, `the request signature does not verify for ${node} in cluster "${this.options.cluster}"`);
    }
    this.prune(now);
    if (this.seen.has(nonce)) throw new SmolError(ErrorCodes.AUTH_REPLAYED, 'this request was already received once (replayed)');
    this.seen.set(nonce, now + this.options.windowMs);
    return node;
  }

  private prune(now: number): void {
    const max = this.options.maxNonces ?? 100_000;
    for (const [nonce, expires] of this.seen) {
      if (expires > now && this.seen.size < max) break;
      this.seen.delete(nonce);
    }
  }
}
