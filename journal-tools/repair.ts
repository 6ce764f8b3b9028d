import { readdir } from 'node:fs/promises';
import { ClassicLevel } from 'classic-level';
import { SmolError, ErrorCodes } from '../core/errors.js';

/** What `journal repair` found in the journal directory before it rebuilt LevelDB's manifest. */
export interface LevelRepairReport {
  readonly dir: string;
  /** Table files (.ldb/.sst) and write-ahead logs (.log) LevelDB recovers from. */
  readonly tables: number;
  readonly logs: number;
  readonly hadCurrent: boolean;
  readonly hadManifest: boolean;
}

/**
 * Runs LevelDB's repair on a journal directory: it rebuilds the manifest (and CURRENT) from every
 * table and log file it can read, keeping what they hold; a damaged file loses only its own
 * records. Checks first that no node holds the journal open.
 * Throws SMOL_ALREADY_RUNNING when the journal is locked, SMOL_NOT_FOUND when the directory holds
 * no LevelDB data at all, SMOL_JOURNAL_CORRUPT when LevelDB cannot repair it.
 */
export async function repairLevelJournal(dir: string): Promise<LevelRepairReport> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const report: LevelRepairReport = {
    dir,
    tables: names.filter((n) => /^\d+\.(ldb|sst)$/.test(n)).length,
    logs: names.filter((n) => /^\d+\.log$/.test(n)).length,
    hadCurrent: names.includes('CURRENT'),
    hadManifest: names.some((n) => n.startsWith('MANIFEST-')),
  };
  if (report.tables + report.logs === 0 && !report.hadManifest) throw new SmolError(ErrorCodes.NOT_FOUND, `no journal data in ${dir} to repair`);
  await refuseWhenLocked(dir);
  try {
    await ClassicLevel.repair(dir);
  } catch (err) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `LevelDB could not repair ${dir}: ${String((err as { cause?: Error }).cause?.message ?? (err as Error).message)}`, { cause: err });
  }
  return report;
}

/** LevelDB takes its lock before it looks for CURRENT, so an open attempt tells whether a node runs. */
async function refuseWhenLocked(dir: string): Promise<void> {
  const db = new ClassicLevel(dir, { createIfMissing: false });
  try {
    await db.open();
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code === 'LEVEL_LOCKED') throw new SmolError(ErrorCodes.ALREADY_RUNNING, `the journal in ${dir} is open in another process; stop the node before repairing it`, { cause: err });
    return; // unopenable: that is what repair is for
  }
  await db.close();
}
