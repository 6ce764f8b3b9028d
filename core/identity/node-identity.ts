import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A node's identity: an ed25519 key pair. The node id is derived from the public key, so ids are
 * self-certifying: anyone holding the public key can check that it belongs to an id.
 */
export interface NodeIdentity {
  readonly nodeId: string;
  /** Raw 32-byte ed25519 public key, base64url. */
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** The serialisable form kept in the journal's meta sublevel. */
export interface StoredIdentity {
  readonly publicKey: string;
  /** PKCS#8 DER, base64. */
  readonly privateKeyPkcs8: string;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The node id for a public key: 'n' + 20 base32 characters of its sha-256 (100 bits). */
export function nodeIdFromPublicKey(publicKey: string): string {
  const raw = Buffer.from(publicKey, 'base64url');
  return 'n' + base32(createHash('sha256').update(raw).digest()).slice(0, 20);
}

/** True when `s` looks like a node id. */
export function isNodeId(s: unknown): s is string {
  return typeof s === 'string' && /^n[a-z2-7]{20}$/.test(s);
}

/** A fresh key pair. */
export function generateIdentity(): { identity: NodeIdentity; stored: StoredIdentity } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_PREFIX.length);
  const pub = Buffer.from(raw).toString('base64url');
  const stored: StoredIdentity = {
    publicKey: pub,
    privateKeyPkcs8: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
  return { identity: { nodeId: nodeIdFromPublicKey(pub), publicKey: pub, privateKey }, stored };
}

/** Rebuilds an identity from its stored form. */
export function loadIdentity(stored: StoredIdentity): NodeIdentity {
  const privateKey = createPrivateKey({ key: Buffer.from(stored.privateKeyPkcs8, 'base64'), format: 'der', type: 'pkcs8' });
  return { nodeId: nodeIdFromPublicKey(stored.publicKey), publicKey: stored.publicKey, privateKey };
}

/** A base64url ed25519 signature over `message`. */
export function signMessage(identity: NodeIdentity, message: Uint8Array | string): string {
  return sign(null, typeof message === 'string' ? Buffer.from(message) : message, identity.privateKey).toString('base64url');
}

/** Checks an ed25519 signature against a raw base64url public key; false for any malformed input. */
export function verifyMessage(publicKey: string, message: Uint8Array | string, signature: string): boolean {
  try {
    const raw = Buffer.from(publicKey, 'base64url');
    if (raw.length !== 32) return false;
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    return verify(null, typeof message === 'string' ? Buffer.from(message) : message, key, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}
