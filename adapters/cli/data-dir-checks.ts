import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SmolError, ErrorCodes } from '../../core/errors.js';

/** Receives one line for stderr (a warning a user should read once). */
export type Warn = (line: string) => void;

/** Files a node writes into its data directory; any of them means a node lived here. */
const NODE_FILES = ['node.key', 'node-key.json', 'status.json', 'http-tokens.json', 'mqtt-position.json'];
/** The secrets, which must be readable by their owner only. */
const SECRET_FILES = ['node.key', 'http-tokens.json'];
/** LevelDB's own data files (tables, write-ahead logs, manifests); `LOG` and `LOCK` are not data. */
const LEVEL_DATA_FILE = /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/;

const octal = (mode: number) => '0' + (mode & 0o777).toString(8);

function unusableDataDir(dataDir: string, problem: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.CONFIG_UNREADABLE, `dataDir ${dataDir} ${problem}; choose another dataDir (--data-dir)`, {
    ...(cause === undefined ? {} : { cause }),
    details: { dataDir },
  });
}

/** Maps the errors of creating or reading the data directory's path to SMOL_CONFIG_UNREADABLE. */
export function dataDirError(dataDir: string, err: unknown): SmolError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOTDIR' || code === 'EEXIST') return unusableDataDir(dataDir, 'is not a directory (it, or a directory above it, is a file)', err);
  if (code === 'EACCES' || code === 'EPERM') return unusableDataDir(dataDir, 'cannot be created or read by this user (permission denied)', err);
  if (code === 'EROFS') return unusableDataDir(dataDir, 'is on a read-only filesystem', err);
  if (code === 'ENAMETOOLONG') return unusableDataDir(dataDir, 'is too long a path', err);
  if (code === 'ELOOP') return unusableDataDir(dataDir, 'goes through a loop of symbolic links', err);
  return undefined;
}

/**
 * Checks, before any command touches it, that the data directory's path can be one: it is a
 * directory or does not exist yet. Throws SMOL_CONFIG_UNREADABLE (under a regular file, a file
 * itself, too long, a symlink loop).
 */
export async function checkDataDirPath(dataDir: string): Promise<void> {
  const s = await stat(dataDir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw dataDirError(dataDir, err) ?? err;
  });
  if (s && !s.isDirectory()) throw unusableDataDir(dataDir, 'is not a directory');
}

/**
 * Creates the data directory with mode 0700 (and any missing parents). Throws
 * SMOL_CONFIG_UNREADABLE when the path is under a regular file, is a file, or cannot be created.
 */
export async function createDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const s = await stat(dataDir);
    if (!s.isDirectory()) throw unusableDataDir(dataDir, 'is not a directory');
  } catch (err) {
    throw dataDirError(dataDir, err) ?? err;
  }
}

/**
 * Start checks, doctor-style: the data directory must be 0700 and the secret files 0600. A wider
 * mode is tightened (when this user owns the file) and said once on stderr as
 * `warning SMOL_FILE_PERMISSIONS: …`; one it cannot tighten is said as well. Returns the warnings.
 */
export async function secureDataDir(dataDir: string, warn: Warn): Promise<string[]> {
  const lines: string[] = [];
  for (const { path, mode, wanted } of await widePermissions(dataDir)) {
    const was = octal(mode);
    const changed = await chmod(path, wanted).then(() => true, () => false);
    const line = changed
      ? `warning ${ErrorCodes.FILE_PERMISSIONS}: ${path} was mode ${was}, readable by other local users; changed to ${octal(wanted)}`
      : `warning ${ErrorCodes.FILE_PERMISSIONS}: ${path} is mode ${was}, readable by other local users, and could not be changed; run chmod ${octal(wanted).slice(1)} ${path}`;
    lines.push(line);
    warn(line);
  }
  return lines;
}

/**
 * The data directory (wanted 0700) and secret files (wanted 0600) that other local users can
 * read or write, changing nothing (`smollama doctor` reports them; start tightens them).
 */
export async function widePermissions(dataDir: string): Promise<Array<{ path: string; mode: number; wanted: number }>> {
  const out: Array<{ path: string; mode: number; wanted: number }> = [];
  const check = async (path: string, wanted: number) => {
    const s = await stat(path).catch(() => undefined);
    if (s && (s.mode & 0o077) !== 0) out.push({ path, mode: s.mode & 0o777, wanted });
  };
  await check(dataDir, 0o700);
  for (const name of SECRET_FILES) await check(join(dataDir, name), 0o600);
  return out;
}

/**
 * What in a data directory shows that a node lived there: its files, or LevelDB data files in
 * `journal/`. Used when the journal cannot be opened: such a directory must never get a new node.
 */
export async function signsOfNode(dataDir: string): Promise<string[]> {
  const present = async (name: string) => (await stat(join(dataDir, name)).then(() => true, () => false)) ? [name] : [];
  const signs = (await Promise.all(NODE_FILES.map(present))).flat();
  const journalFiles = await readdir(join(dataDir, 'journal')).catch(() => [] as string[]);
  const levelFiles = journalFiles.filter((n) => LEVEL_DATA_FILE.test(n));
  if (levelFiles.length > 0) signs.push(`journal/ (${levelFiles.length} LevelDB file${levelFiles.length === 1 ? '' : 's'})`);
  return signs;
}

/** The refusal for a data directory that held a node whose journal cannot be opened. */
export function lostJournalError(dataDir: string, problem: string, signs: readonly string[]): SmolError {
  return new SmolError(
    ErrorCodes.JOURNAL_CORRUPT,
    `${dataDir} held a node (${signs.join(', ')}) but ${problem}; run \`smollama journal repair --data-dir ${dataDir}\` (a new node is never made over an old one)`,
    { details: { dataDir, signs } },
  );
}
