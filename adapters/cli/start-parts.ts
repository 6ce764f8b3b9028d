import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isSmolError } from '../../core/errors.js';

/**
 * Runs `work`, giving up after `ms` with a log line: a step that hangs (a status file on a full
 * disk) must not keep the process past its deadline (the units' stops are bounded by the unit
 * registry, core/runtime/units.ts). Never throws: a step that fails is logged and the next one runs.
 */
export async function bounded(what: string, work: () => Promise<unknown>, ms: number, log: (message: string) => void): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
    timer.unref();
  });
  try {
    if ((await Promise.race([work().then(() => 'done' as const), late])) === 'late') log(`stop: gave up ${what} after ${ms} ms`);
  } catch (err) {
    log(`stop: ${what} failed: ${isSmolError(err) ? `${err.code}: ` : ''}${(err as Error)?.message ?? String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The entries of the data directory before a start, or undefined when it does not exist yet. */
export async function dataDirEntries(dataDir: string): Promise<ReadonlySet<string> | undefined> {
  try {
    return new Set(await readdir(dataDir));
  } catch {
    return undefined;
  }
}

/**
 * After a failed start of a fresh node: removes what this start created in the data directory
 * (journal, key, tokens, index files), and the directory itself when the start made it.
 * Only called once this process held the journal's lock, so nothing here belongs to another node.
 */
export async function removeCreated(dataDir: string, before: ReadonlySet<string> | undefined): Promise<string[]> {
  // A node that existed keeps everything: a file new next to its journal may be one this start
  // moved out of it (node.key, by the key migration), and removing that would lose the node's
  // identity. Its failed start appended nothing; only a fresh node's files go.
  if (before?.has('journal')) return [];
  const now = await dataDirEntries(dataDir);
  if (!now) return [];
  const created = [...now].filter((name) => !before?.has(name));
  for (const name of created) await rm(join(dataDir, name), { recursive: true, force: true });
  if (!before) await rmdir(dataDir).catch(() => undefined);
  return created;
}
