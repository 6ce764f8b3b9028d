import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { SmolError, ErrorCodes } from '../../core/errors.js';
import { writeFileAtomic, type AtomicWriteOptions } from '../files/atomic-file.js';

/**
 * Reads a JSON file of the data directory; undefined when it does not exist.
 * Throws SMOL_FILE_CORRUPT naming the file when it is not JSON (or cannot be read as a file),
 * SMOL_FILE_PERMISSIONS when this user may not read it. Nothing is ever replaced here: a damaged
 * file is the user's to fix or remove, never silently regenerated.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw new SmolError(ErrorCodes.FILE_PERMISSIONS, `cannot read ${path}: permission denied (run as the user that owns the data directory)`, { cause: err, details: { file: path } });
    throw new SmolError(ErrorCodes.FILE_CORRUPT, `cannot read ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw corruptFile(path, 'is not valid JSON', err);
  }
}

/** Reads a JSON file and checks it against `schema`; undefined when missing. Throws SMOL_FILE_CORRUPT otherwise. */
export async function readJsonFileAs<T>(path: string, schema: z.ZodType<T>, what: string): Promise<T | undefined> {
  const raw = await readJsonFile(path);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw corruptFile(path, `is not a valid ${what}`);
  return parsed.data;
}

/** The SMOL_FILE_CORRUPT error for a damaged data-directory file, with its one-line remedy. */
export function corruptFile(path: string, problem: string, cause?: unknown): SmolError {
  return new SmolError(ErrorCodes.FILE_CORRUPT, `${path} ${problem}; restore it from a backup, or move it away if you mean to start that part over`, {
    ...(cause === undefined ? {} : { cause }),
    details: { file: path },
  });
}

/** Writes JSON atomically (unique temp file, fsync, rename; writers of one path serialized). */
export async function writeJsonFile(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', options);
}
