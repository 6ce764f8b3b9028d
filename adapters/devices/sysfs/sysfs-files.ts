/**
 * Reading the kernel's sysfs attribute files. Each attribute is one small text file; a driver
 * that cannot produce a value makes the read() fail with an errno (a DHT11 checksum error is
 * EIO, a sensor that did not answer ETIMEDOUT, hwmon's "no data yet" ENODATA), and an unplugged
 * device makes its directory vanish (ENOENT). Those become coded failures, never values.
 */
import { readFile, readdir } from 'node:fs/promises';
import { ErrorCodes, SmolError } from '../../../core/errors.js';

/** The two file operations the platforms need; tests wrap the real ones to inject errno failures. */
export interface SysfsFiles {
  /** Reads a whole attribute file as text; rejects with the errno error of the read. */
  readText(path: string): Promise<string>;
  /** Names in a directory; rejects with the errno error (ENOENT when it is gone). */
  list(dir: string): Promise<string[]>;
}

export const nodeSysfsFiles: SysfsFiles = {
  readText: (path) => readFile(path, 'utf8'),
  list: (dir) => readdir(dir),
};

const GONE = new Set(['ENOENT', 'ENODEV', 'ENXIO', 'ENOTDIR']);

/** Turns a failed read into SMOL_DEVICE_UNAVAILABLE (device gone) or SMOL_DEVICE_READ_FAILED (driver error). */
export function readFailure(path: string, err: unknown): SmolError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  if (errno !== undefined && GONE.has(errno)) {
    return new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `${path}: not present (${errno})`, { details: { path, errno } });
  }
  return new SmolError(ErrorCodes.DEVICE_READ_FAILED, `${path}: read failed (${errno ?? String(err)})`, {
    cause: err,
    details: { path, ...(errno === undefined ? {} : { errno }) },
  });
}

/** A refused value: the file was read but does not hold a sane number. */
export function badValue(path: string, text: string, why: string): SmolError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new SmolError(ErrorCodes.DEVICE_READ_FAILED, `${path}: ${why} (${JSON.stringify(shown.trim())})`, { details: { path, why } });
}

/** Parses an attribute that holds one decimal number (integer or fixed point, e.g. `0.001000`). */
export function parseAttribute(path: string, text: string): number {
  const trimmed = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(trimmed)) throw badValue(path, text, 'not a number');
  const value = Number(trimmed);
  if (!Number.isFinite(value)) throw badValue(path, text, 'not a finite number');
  return value;
}

/** Reads and parses a numeric attribute; throws the coded failure. */
export async function readNumber(files: SysfsFiles, path: string): Promise<number> {
  let text: string;
  try {
    text = await files.readText(path);
  } catch (err) {
    throw readFailure(path, err);
  }
  return parseAttribute(path, text);
}

/** Reads a text attribute (a name or label), or undefined when it cannot be read. */
export async function readLabel(files: SysfsFiles, path: string): Promise<string | undefined> {
  try {
    const text = (await files.readText(path)).trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

/** Lists a directory, or [] when it does not exist (a bus with no devices). */
export async function listOrEmpty(files: SysfsFiles, dir: string): Promise<string[]> {
  try {
    return await files.list(dir);
  } catch {
    return [];
  }
}
