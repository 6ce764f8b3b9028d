import { createRegistry } from '../../core/events/default-registry.js';
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { SmolError, ErrorCodes, isSmolError } from '../../core/errors.js';
import type { Config } from '../config/schema.js';
import { openLevelJournal, type OpenJournalOptions } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import { nodeKeyFileStore, nodePrivateKeyPath } from '../files/node-key-store.js';
import { fsColdStore } from '../journal/fs-cold-store.js';
import { writeFileAtomic } from '../files/atomic-file.js';
import { readJsonFileAs } from '../sync/json-file.js';
import { createDataDir, dataDirError, lostJournalError, secureDataDir, signsOfNode, type Warn } from './data-dir-checks.js';

/** Layout of a data directory. */
export function dataPaths(dataDir: string) {
  return { journal: join(dataDir, 'journal'), status: join(dataDir, 'status.json'), key: nodePrivateKeyPath(dataDir) };
}

/** How a command opens its node's journal; the key store is always the data directory's node.key. */
export interface NodeJournalOptions extends Omit<OpenJournalOptions, 'keys'> {
  /** Where the start checks' warnings go (SMOL_FILE_PERMISSIONS); stderr by default. */
  readonly warn?: Warn;
}

const stderrWarn: Warn = (line) => process.stderr.write(line + '\n');

/** Opens the journal of a configured node; read commands pass mustExist so nothing is created. Throws like openDataDirJournal. */
export async function openNodeJournal(config: Config, options: NodeJournalOptions = {}): Promise<LevelJournal> {
  return openDataDirJournal(config.dataDir, {
    sealEvery: config.journal.sealEvery,
    readingsCommitMs: config.journal.readingsCommitMs,
    // A node's own events are checked against their schemas before they are written (peers check at sync).
    registry: createRegistry(),
    ...options,
    clock: { maxOffsetMs: config.clock.maxOffsetMs, forwardJumpMs: config.clock.forwardJumpMs, backwardJumpMs: config.clock.backwardJumpMs, ...options.clock },
  });
}

/**
 * Opens (or, without mustExist, creates) the journal of a data directory, with its private key in
 * `node.key` (0600) and the directory 0700; wider modes are tightened and said once through `warn`.
 * A directory that shows a node lived there (key, tokens, status, LevelDB files) but has no
 * openable journal is refused, never given a new node.
 * Throws SMOL_JOURNAL_CORRUPT (lost or unopenable journal, missing or foreign key; the message
 * names the remedy), SMOL_FILE_CORRUPT (damaged node.key), SMOL_NOT_FOUND (mustExist and no node
 * here), SMOL_ALREADY_RUNNING, SMOL_CONFIG_UNREADABLE (the path is under a file or not creatable).
 */
export async function openDataDirJournal(dataDir: string, options: NodeJournalOptions = {}): Promise<LevelJournal> {
  const { warn = stderrWarn, mustExist, ...rest } = options;
  const dir = dataPaths(dataDir).journal;
  const hasJournal = await access(join(dir, 'CURRENT')).then(
    () => true,
    (err: unknown) => {
      const unusable = dataDirError(dataDir, err);
      if (unusable) throw unusable;
      return false;
    },
  );
  if (!hasJournal) {
    const signs = await signsOfNode(dataDir);
    if (signs.length > 0) throw lostJournalError(dataDir, 'its journal is missing (no journal/CURRENT)', signs);
    if (mustExist) throw new SmolError(ErrorCodes.NOT_FOUND, `no node journal in ${dataDir} (start a node there first, or pass --data-dir)`);
    await createDataDir(dataDir);
  }
  await secureDataDir(dataDir, warn);
  try {
    return await openLevelJournal(dir, { ...rest, ...(mustExist ? { mustExist } : {}), keys: nodeKeyFileStore(dataDir), cold: fsColdStore(join(dir, 'cold')) });
  } catch (err) {
    if (isSmolError(err, ErrorCodes.JOURNAL_CORRUPT) && err.details?.['unopenable']) {
      throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `${err.message}; run \`smollama journal repair --data-dir ${dataDir}\``, { cause: err, details: { dataDir } });
    }
    throw err;
  }
}

/** What a running node publishes about itself for `smollama status` (the journal is locked while it runs). */
export interface NodeStatusFile {
  readonly running: boolean;
  readonly pid: number;
  readonly nodeId: string;
  readonly name: string;
  readonly role: string;
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly lastPosition: number;
  readonly vector: Record<string, number>;
  readonly gpioMode: string | null;
  readonly http: string | null;
  /** Every unit with its state (a node before issue 10 wrote none). */
  readonly units?: ReadonlyArray<{ readonly name: string; readonly state: string; readonly code?: string; readonly message?: string }>;
}

const StatusFile = z.object({
  running: z.boolean(),
  pid: z.number().int(),
  nodeId: z.string(),
  name: z.string(),
  role: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  lastPosition: z.number().int().min(0),
  vector: z.record(z.string(), z.number()),
  gpioMode: z.string().nullable(),
  http: z.string().nullable(),
  units: z.array(z.object({ name: z.string(), state: z.string(), code: z.string().optional(), message: z.string().optional() })).optional(),
});

/**
 * Writes the status file atomically, so a reader never sees half of it. Not fsynced: it is
 * rewritten every few seconds while the node runs and means nothing after a crash.
 */
export async function writeStatusFile(dataDir: string, status: NodeStatusFile): Promise<void> {
  await writeFileAtomic(dataPaths(dataDir).status, JSON.stringify(status, null, 2), { durable: false });
}

/** The status file of a running node, or undefined when there is none. Throws SMOL_FILE_CORRUPT naming it when damaged. */
export async function readStatusFile(dataDir: string): Promise<NodeStatusFile | undefined> {
  return readJsonFileAs(dataPaths(dataDir).status, StatusFile, 'status file');
}
