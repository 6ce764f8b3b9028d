import type { StoredIdentity } from './node-identity.js';

/**
 * Where a node keeps its private key, outside the journal (the journal's files are not secret
 * enough for it). Core does no file I/O: the CLI passes an implementation backed by `node.key`.
 */
export interface NodeKeyStore {
  /** The stored key pair, or undefined when there is none. Throws (SMOL_FILE_CORRUPT) when it is damaged. */
  load(): Promise<StoredIdentity | undefined>;
  /** Stores a key pair durably before resolving; never replaces a different existing key. */
  save(identity: StoredIdentity): Promise<void>;
  /** Names the store in messages (e.g. the key file's path). */
  readonly description: string;
}
