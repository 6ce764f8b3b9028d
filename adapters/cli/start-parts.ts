import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isSmolError } from '../../core/errors.js';

/**
 * Runs `work`, giving up after `ms` with a log line: a stop step that hangs (a journal on a full
 * disk, a client that never lets go) must not keep the process, and the LevelDB lock, past its
 * deadline. Never throws: a step that fails is logged and the next one runs.
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

/**
 * The parts of a node that have started, in order. A start that fails unwinds exactly these, in
 * reverse, each bounded (the unit registry of issue 10 will replace this list).
 */
export class StartedParts {
  private readonly parts: Array<{ name: string; stop: () => Promise<unknown> }> = [];

  constructor(private readonly log: (message: string) => void) {}

  add(name: string, stop: () => Promise<unknown>): void {
    this.parts.push({ name, stop });
  }

  /** Stops every started part, newest first; each within `stepMs`. */
  async unwind(stepMs = 3000): Promise<void> {
    for (const part of this.parts.reverse()) await bounded(`stopping ${part.name}`, part.stop, stepMs, this.log);
    this.parts.length = 0;
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
