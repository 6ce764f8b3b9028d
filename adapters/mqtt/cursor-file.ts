import { z } from 'zod';
import { readJsonFileAs, writeJsonFile } from '../sync/json-file.js';

const Cursor = z.object({ position: z.number().int().min(0) });

/**
 * The last journal position the MQTT stream published (and the broker acknowledged), or undefined
 * when the file does not exist. Throws SMOL_FILE_CORRUPT naming the file when it is damaged:
 * guessing a position would re-publish or skip events without a word.
 */
export async function readCursor(path: string): Promise<number | undefined> {
  return (await readJsonFileAs(path, Cursor, 'MQTT stream position'))?.position;
}

/**
 * Writes the cursor atomically. Saves overlap under load; the shared writer gives each a unique
 * temp name and runs them in call order, so the newest position is the one left on disk.
 */
export async function writeCursor(path: string, position: number): Promise<void> {
  await writeJsonFile(path, { position });
}
