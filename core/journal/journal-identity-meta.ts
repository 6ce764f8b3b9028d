import { generateIdentity, loadIdentity, type NodeIdentity, type StoredIdentity } from '../identity/node-identity.js';
import type { NodeKeyStore } from '../identity/key-store.js';
import { SmolError, ErrorCodes } from '../errors.js';
import type { JournalMeta } from './journal-meta.js';
import type { Db } from './journal-state.js';

/**
 * What the meta sublevel records as `identity`. With a key store it is only the public key; the
 * private key is there only in journals opened without one (memory journals, tests) and in
 * journals written before keys moved to `node.key`, which the first open with a store migrates.
 */
interface RecordedIdentity {
  readonly publicKey: string;
  readonly privateKeyPkcs8?: string;
}

const REMEDY = 'restore node.key from a backup of this data directory (a new key would make a new node)';

function corrupt(message: string): SmolError {
  return new SmolError(ErrorCodes.JOURNAL_CORRUPT, message);
}

/**
 * The journal's node identity, created for an empty journal. With `keys` the private key lives in
 * the store and the meta sublevel keeps only the public key; a journal whose meta still holds the
 * private key has it moved into the store first (saved durably and read back before it is removed
 * from meta, so a crash at any point loses nothing), then the meta sublevel is compacted so the
 * old value leaves LevelDB's files. Never makes a new key for a journal that has history.
 * Throws SMOL_JOURNAL_CORRUPT when the key is missing or belongs to another node; the store's own
 * errors (SMOL_FILE_CORRUPT for a damaged key file) pass through.
 */
export async function resolveJournalIdentity(db: Db, onDisk: JournalMeta, keys: NodeKeyStore | undefined): Promise<NodeIdentity> {
  const meta = db.sublevel<string, unknown>('meta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  const recorded = (await meta.get('identity')) as RecordedIdentity | undefined;
  const hasHistory = onDisk.lastPosition > 0 || onDisk.heads.size > 0;
  const putRecorded = (value: RecordedIdentity) => meta.put('identity', value, { sync: true } as never);

  if (!keys) {
    if (recorded?.privateKeyPkcs8) return loadIdentity(recorded as StoredIdentity);
    if (recorded) throw corrupt(`this journal's private key is kept outside it (node.key in its data directory); open it through the data directory (--data-dir)`);
    if (hasHistory) throw corrupt(`the journal has events but no node identity; ${REMEDY}`);
    const fresh = generateIdentity().stored;
    await putRecorded(fresh);
    return loadIdentity(fresh);
  }

  const stored = await keys.load();
  if (stored && recorded && stored.publicKey !== recorded.publicKey) {
    throw corrupt(`${keys.description} holds the key of another node than this journal's; ${REMEDY}`);
  }
  if (recorded?.privateKeyPkcs8) {
    const legacy = recorded as StoredIdentity;
    if (!stored) {
      await keys.save(legacy);
      const check = await keys.load();
      if (check?.publicKey !== legacy.publicKey) throw corrupt(`${keys.description} did not read back the key just written; the journal keeps it`);
    }
    await putRecorded({ publicKey: legacy.publicKey });
    await compactMeta(db);
    return loadIdentity(legacy);
  }
  if (recorded) {
    if (!stored) throw corrupt(`${keys.description} is missing; ${REMEDY}`);
    return loadIdentity(stored);
  }
  if (hasHistory) throw corrupt(`the journal has events but no node identity; ${REMEDY}`);
  // A new node. The key is saved before the journal names it: a crash in between leaves a key
  // file next to an empty journal, which the next open adopts.
  const identity = stored ?? generateIdentity().stored;
  if (!stored) await keys.save(identity);
  await putRecorded({ publicKey: identity.publicKey });
  return loadIdentity(identity);
}

/**
 * LevelDB keeps an overwritten value in its write-ahead log and tables until a compaction drops
 * it; compacting the meta range makes the removed private key leave the journal's files now.
 */
async function compactMeta(db: Db): Promise<void> {
  const compactable = db as unknown as { compactRange?: (start: Buffer, end: Buffer) => Promise<void> };
  if (typeof compactable.compactRange === 'function') await compactable.compactRange(Buffer.from('!meta!'), Buffer.from('!meta"'));
}
