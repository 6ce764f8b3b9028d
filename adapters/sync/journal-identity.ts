import { signMessage, type NodeIdentity } from '../../core/identity/node-identity.js';
import { identityOfJournal } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import type { Signer } from '../../core/sync/segment-writer.js';

/**
 * The node's key pair, as the journal was opened with it (from `node.key`, or the meta sublevel
 * of a journal opened without a key store). The journal signs its own seals; sync also signs
 * segments and requests with the same key, so a node has one identity.
 */
export async function loadJournalIdentity(journal: LevelJournal): Promise<NodeIdentity> {
  return identityOfJournal(journal);
}

/** A segment signer for an identity. */
export function signerFor(identity: NodeIdentity): Signer {
  return (message) => signMessage(identity, message);
}
