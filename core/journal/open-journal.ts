import type { EventRegistry } from '../events/registry.js';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import type { AbstractLevel } from 'abstract-level';
import { HlcClock, type HlcClockOptions } from '../clock/hlc.js';
import type { NodeIdentity } from '../identity/node-identity.js';
import type { NodeKeyStore } from '../identity/key-store.js';
import { resolveJournalIdentity } from './journal-identity-meta.js';
import { SmolError, ErrorCodes } from '../errors.js';
import { DEFAULT_SEAL_EVERY, LevelJournal, UNSEALED_SCAN_LIMIT } from './level-journal.js';
import type { ColdFileStore } from './cold/cold-store.js';
import type { Timeouts } from './journal-writer.js';

type Db = AbstractLevel<any, Buffer, Buffer>;

export interface OpenJournalOptions {
  /** Clock options (time source, maxOffset, jump reporting). The journal owns the clock. */
  readonly clock?: HlcClockOptions;
  readonly sealEvery?: number;
  readonly sync?: boolean;
  /** Readings-only appends share one synced batch per this many ms (journal.readingsCommitMs; default 0 = off here). */
  readonly readingsCommitMs?: number;
  /** One-shot timers of the readings window (tests drive it by hand). */
  readonly timeouts?: Timeouts;
  /** LevelDB options over LEVEL_OPTIONS (the benchmark measures alternatives with it). */
  readonly level?: typeof LEVEL_OPTIONS;
  /** Where cold history lives (`<journal>/cold/`, adapters/journal/fs-cold-store.ts); without one nothing moves cold. */
  readonly cold?: ColdFileStore;
  /** Open an existing journal only (read commands must not create a data directory). */
  readonly mustExist?: boolean;
  /**
   * Where the private key lives (the CLI: `<dataDir>/node.key`, mode 0600). Without one the key
   * is kept in the journal's meta sublevel, as memory journals and tests do.
   */
  readonly keys?: NodeKeyStore;
  /** Validate local appends against these schemas (a node passes the default registry). */
  readonly registry?: EventRegistry;
}

// The key pair of each open journal, for signing segments and requests (loadJournalIdentity).
const identities = new WeakMap<LevelJournal, NodeIdentity>();

/** The identity a journal was opened with. Throws TypeError for a journal not opened here. */
export function identityOfJournal(journal: LevelJournal): NodeIdentity {
  const identity = identities.get(journal);
  if (!identity) throw new TypeError('the journal was not opened by openLevelJournal/openMemoryJournal');
  return identity;
}

/**
 * LevelDB tuning for the journal (classic-level open options); the benchmark reads with the same.
 *
 * On 64-bit Linux, LevelDB mmaps every table file it keeps open (up to 1,000), so a full replay
 * of a large journal shows up as RSS: ~760 MB of mapped tables after replaying 90 days. The table
 * cache is the lever: `maxOpenFiles` 74 is LevelDB's minimum (64 tables open) and `maxFileSize`
 * 1 MiB its smallest table size, which bounds the mapped part to roughly 64-75 MB. The cost is
 * a file open when a random read lands on a table outside those 64 (sync and replay read in order).
 * `blockSize` 16 KiB (default 4 KiB): snappy compresses each block alone, and consecutive readings
 * share most of their bytes, so bigger blocks store 10.5 instead of 12.2 bytes per reading
 * (64 KiB gains only 0.5 more and makes every random read decompress 64 KiB).
 */
export const LEVEL_OPTIONS: Readonly<{
  cacheSize?: number;
  writeBufferSize?: number;
  blockSize?: number;
  blockRestartInterval?: number;
  maxFileSize?: number;
  maxOpenFiles?: number;
  compression?: boolean;
}> = { maxOpenFiles: 74, maxFileSize: 1024 * 1024, blockSize: 16 * 1024 };

/**
 * Opens (or creates) the LevelDB journal in `dir`.
 * Throws SMOL_ALREADY_RUNNING when another process holds it, SMOL_NOT_FOUND with mustExist,
 * SMOL_JOURNAL_CORRUPT when LevelDB cannot open it.
 */
export async function openLevelJournal(dir: string, options: OpenJournalOptions = {}): Promise<LevelJournal> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, {
    ...LEVEL_OPTIONS,
    ...options.level,
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    createIfMissing: !options.mustExist,
  });
  try {
    await db.open();
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') {
      throw new SmolError(ErrorCodes.ALREADY_RUNNING, `the journal in ${dir} is already open in another process (is a node already running?)`, { cause: err });
    }
    const message = String((err as { cause?: Error }).cause?.message ?? (err as Error).message);
    if (options.mustExist && /does not exist/.test(message)) {
      throw new SmolError(ErrorCodes.NOT_FOUND, `no journal in ${dir}`, { cause: err });
    }
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `cannot open the journal in ${dir}: ${message}`, { cause: err, details: { unopenable: true } });
  }
  return openOn(db as unknown as Db, options);
}

/** An in-memory journal with the same behaviour (tests, tools). */
export async function openMemoryJournal(options: OpenJournalOptions = {}): Promise<LevelJournal> {
  const db = new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  return openOn(db as unknown as Db, options);
}

async function openOn(db: Db, options: OpenJournalOptions): Promise<LevelJournal> {
  try {
    const onDisk = await LevelJournal.readMeta(db);
    const identity = await resolveJournalIdentity(db, onDisk, options.keys);
    const limit = Math.min(options.sealEvery ?? DEFAULT_SEAL_EVERY, UNSEALED_SCAN_LIMIT);
    const journalMeta = { ...onDisk, unsealed: await LevelJournal.countUnsealed(db, onDisk, identity.nodeId, limit) };
    const clock = new HlcClock(options.clock);
    const journal = new LevelJournal(db, journalMeta, {
      clock,
      identity,
      ...(options.sealEvery !== undefined ? { sealEvery: options.sealEvery } : {}),
      ...(options.sync !== undefined ? { sync: options.sync } : {}),
      ...(options.readingsCommitMs !== undefined ? { readingsCommitMs: options.readingsCommitMs } : {}),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
    });
    if (options.cold) await journal.openCold(options.cold, identity);
    identities.set(journal, identity);
    return journal;
  } catch (err) {
    await db.close();
    throw err;
  }
}
