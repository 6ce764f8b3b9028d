import { readFile } from 'node:fs/promises';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import type { NodeKeyStore } from '../../core/identity/key-store.js';
import type { StoredIdentity } from '../../core/identity/node-identity.js';
import { writeFileAtomic } from './atomic-file.js';

/** `<dataDir>/node.key`: the node's ed25519 private key, PKCS#8 PEM, mode 0600. */
export function nodePrivateKeyPath(dataDir: string): string {
  return join(dataDir, 'node.key');
}

const SPKI_ED25519_PREFIX_LENGTH = 12;

function damaged(path: string, problem: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.FILE_CORRUPT, `${path} ${problem}; restore it from a backup of this data directory (a new key would make a new node)`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file: path },
  });
}

/** Parses a key file's text; the public key is derived from the private one, so they always match. Throws SMOL_FILE_CORRUPT. */
export function parseNodeKey(path: string, pem: string): StoredIdentity {
  let key;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw damaged(path, 'is not a PEM private key', err);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw damaged(path, `holds a ${key.asymmetricKeyType ?? 'unknown'} key, not ed25519`);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    publicKey: Buffer.from(spki.subarray(SPKI_ED25519_PREFIX_LENGTH)).toString('base64url'),
    privateKeyPkcs8: key.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
}

/**
 * The key store a node uses: `node.key` in its data directory, written once (atomically, fsynced,
 * 0600) and never replaced. Loading throws SMOL_FILE_CORRUPT for a damaged file and
 * SMOL_FILE_PERMISSIONS when this user cannot read it.
 */
export function nodeKeyFileStore(dataDir: string): NodeKeyStore {
  const path = nodePrivateKeyPath(dataDir);
  return {
    description: path,
    async load() {
      let pem: string;
      try {
        pem = await readFile(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return undefined;
        if (code === 'EACCES' || code === 'EPERM') throw new SmolError(ErrorCodes.FILE_PERMISSIONS, `cannot read ${path}: permission denied (run as the user that owns the data directory)`, { cause: err, details: { file: path } });
        throw damaged(path, `cannot be read (${code ?? (err as Error).message})`, err);
      }
      return parseNodeKey(path, pem);
    },
    async save(identity) {
      const key = createPrivateKey({ key: Buffer.from(identity.privateKeyPkcs8, 'base64'), format: 'der', type: 'pkcs8' });
      await writeFileAtomic(path, key.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600 });
    },
  };
}
