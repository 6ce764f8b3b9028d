import { join } from 'node:path';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import type { Config } from '../config/schema.js';
import { openLevelJournal, type OpenJournalOptions } from '../../core/journal/open-journal.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';

/** Layout of a data directory. */
export function dataPaths(dataDir: string) {
  return { journal: join(dataDir, 'journal'), status: join(dataDir, 'status.json') };
}

/** Opens the journal of a configured node; read commands pass mustExist so nothing is created. */
export async function openNodeJournal(config: Config, options: OpenJournalOptions = {}): Promise<LevelJournal> {
  const dir = dataPaths(config.dataDir).journal;
  if (!options.mustExist) await mkdir(config.dataDir, { recursive: true });
  else if (!(await access(join(dir, 'CURRENT')).then(() => true, () => false))) {
    throw new SmolError(ErrorCodes.NOT_FOUND, `no node journal in ${config.dataDir} (start a node there first, or pass --data-dir)`);
  }
  return openLevelJournal(dir, {
    sealEvery: config.journal.sealEvery,
    ...options,
    clock: { maxOffsetMs: config.clock.maxOffsetMs, forwardJumpMs: config.clock.forwardJumpMs, backwardJumpMs: config.clock.backwardJumpMs, ...options.clock },
  });
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
}

/** Writes the status file atomically (temp file + rename), so a reader never sees half of it. */
export async function writeStatusFile(dataDir: string, status: NodeStatusFile): Promise<void> {
  const path = dataPaths(dataDir).status;
  await writeFile(path + '.tmp', JSON.stringify(status, null, 2));
  await rename(path + '.tmp', path);
}

export async function readStatusFile(dataDir: string): Promise<NodeStatusFile | undefined> {
  try {
    return JSON.parse(await readFile(dataPaths(dataDir).status, 'utf8')) as NodeStatusFile;
  } catch {
    return undefined;
  }
}
