import { loadIdentity, signMessage, type NodeIdentity, type StoredIdentity } from '../../core/identity/node-identity.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { Signer } from '../../core/sync/segment-writer.js';

/**
 * The node's key pair, as the journal keeps it in its meta sublevel. The journal signs its own seals;
 * sync also signs segments and requests with the same key, so a node has one identity.
 */
export async function loadJournalIdentity(journal: LevelJournal): Promise<NodeIdentity> {
  const meta = journal.database.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const stored = (await meta.get('identity')) as StoredIdentity | undefined;
  if (!stored || stored.publicKey !== journal.publicKey) throw new TypeError('the journal has no identity matching its node id');
  return loadIdentity(stored);
}

/** A segment signer for an identity. */
export function signerFor(identity: NodeIdentity): Signer {
  return (message) => signMessage(identity, message);
}
