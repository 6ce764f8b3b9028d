import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (0o600 for secrets); applied before the file gets its name. */
  readonly mode?: number;
  /**
   * fsync the file and its directory (default). Off only for files that are rewritten every few
   * seconds and worthless after a crash (the status file), where an SD card should be spared.
   */
  readonly durable?: boolean;
}

// One chain per path: two writers of the same file run one after the other, so the last call wins
// on disk and neither renames a file the other is still writing.
const chains = new Map<string, Promise<void>>();
let writes = 0;

/**
 * Replaces `path` with `data` atomically: a uniquely named temp file in the same directory,
 * written, fsynced, renamed over the old file, then the directory fsynced. A reader sees the old
 * bytes or the new ones, never half; a crash leaves the old file (and at most a stray temp file).
 * Missing parent directories are created 0700. Errors are the filesystem's own (ENOSPC, EACCES…).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const previous = chains.get(path) ?? Promise.resolve();
  const run = previous.then(() => writeNow(path, data, options));
  const settled = run.catch(() => undefined);
  chains.set(path, settled);
  void settled.then(() => {
    if (chains.get(path) === settled) chains.delete(path);
  });
  return run;
}

async function writeNow(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const durable = options.durable ?? true;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Unique across writers in this process and across processes (pid), so no two share a temp file.
  const tmp = `${path}.${process.pid}.${++writes}.tmp`;
  try {
    const file = await open(tmp, 'wx', options.mode ?? 0o644);
    try {
      await file.writeFile(data);
      // open()'s mode is filtered by the umask; chmod makes a secret 0600 whatever the umask.
      if (options.mode !== undefined) await file.chmod(options.mode);
      if (durable) await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (durable) await syncDirectory(dirname(path));
}

/** fsync a directory so a rename in it survives a power cut (Linux; a no-op where unsupported). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
