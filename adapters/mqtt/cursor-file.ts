import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const Cursor = z.object({ position: z.number().int().min(0) });

/** The last journal position the MQTT stream published (and the broker acknowledged), or undefined. */
export async function readCursor(path: string): Promise<number | undefined> {
  try {
    const parsed = Cursor.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data.position : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cursor atomically (temp file + rename). */
export async function writeCursor(path: string, position: number): Promise<void> {
  await writeFile(path + '.tmp', JSON.stringify({ position }) + '\n');
  await rename(path + '.tmp', path);
}
