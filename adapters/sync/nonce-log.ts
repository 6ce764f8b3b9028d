import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { ErrorCodes, SmolError } from '../../core/errors.js';

/** Where a data directory keeps the nonces of signed sync requests it accepted. */
export function nonceLogPath(dataDir: string): string {
  return join(dataDir, 'sync', 'seen-nonces.log');
}

const LINE = /^(\d{1,16}) ([0-9a-f]{32})$/;

/**
 * The nonces of accepted signed requests, each until its request can no longer pass the time
 * window, kept in memory and in an append-only file (`<expires ms> <nonce>` per line) that is
 * fsynced before the request is answered. A restart reads the file back, so a request captured
 * before the restart is still refused as a replay. The file is rewritten without expired lines
 * when they outnumber the live ones.
 */
export class NonceLog {
  private queued: string[] = [];
  private queuedDone: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private lines: number;
  private closed = false;
  private torn = false;

  private constructor(
    private readonly path: string,
    private fh: FileHandle,
    private readonly seen: Map<string, number>,
    private readonly now: () => number,
  ) {
    this.lines = seen.size;
  }

  /**
   * Opens (or creates) the log, keeping the entries that have not expired.
   * Throws SMOL_FILE_CORRUPT when a line other than a torn last one is not a nonce entry.
   */
  static async open(path: string, now: () => number = Date.now): Promise<NonceLog> {
    await mkdir(dirname(path), { recursive: true });
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const seen = new Map<string, number>();
    const rows = text.split('\n');
    const t = now();
    rows.forEach((row, i) => {
      if (row === '') return;
      const m = LINE.exec(row);
      // A power cut can tear the last append; anything else is not ours to guess about.
      if (!m) {
        if (i >= rows.length - 2) return;
        throw new SmolError(ErrorCodes.FILE_CORRUPT, `${path}: line ${i + 1} is not "<expires ms> <nonce>"; delete the file to start over (signed sync requests of the last sync.requestWindowMs could then be replayed once)`);
      }
      const expires = Number(m[1]);
      if (expires > t) seen.set(m[2]!, expires);
    });
    // Start from a file that holds exactly the live entries.
    const fh = await rewrite(path, seen);
    return new NonceLog(path, fh, seen, now);
  }

  /** Entries remembered now. */
  get size(): number {
    return this.seen.size;
  }

  /** True when `nonce` was accepted and has not expired. */
  has(nonce: string): boolean {
    const expires = this.seen.get(nonce);
    return expires !== undefined && expires > this.now();
  }

  /**
   * Remembers `nonce` until `expires` (ms) and resolves once that is on disk. Calls made while a
   * write is under way share the next write and its fsync.
   */
  record(nonce: string, expires: number): Promise<void> {
    if (this.closed) return Promise.reject(new SmolError(ErrorCodes.JOURNAL_CLOSED, 'the nonce log is closed'));
    this.seen.set(nonce, expires);
    this.queued.push(`${expires} ${nonce}\n`);
    if (!this.queuedDone) {
      this.queuedDone = this.chain.then(() => {
        const lines = this.queued;
        this.queued = [];
        this.queuedDone = undefined;
        return this.write(lines);
      });
      this.chain = this.queuedDone.catch(() => undefined);
    }
    return this.queuedDone;
  }

  private async write(lines: string[]): Promise<void> {
    try {
      this.prune();
      // After a failed write the file may end in half a line: start it over rather than append to it.
      if (this.torn || (this.lines > 1024 && this.lines > 2 * this.seen.size)) {
        await this.fh.close().catch(() => undefined);
        this.fh = await rewrite(this.path, this.seen);
        this.lines = this.seen.size;
        this.torn = false;
        return;
      }
      await this.fh.write(lines.join(''));
      await this.fh.datasync();
      this.lines += lines.length;
    } catch (err) {
      this.torn = true;
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOSPC') throw new SmolError(ErrorCodes.DISK_FULL, `${this.path}: no space left to record a sync nonce; the request is refused`, { cause: err });
      throw err;
    }
  }

  private prune(): void {
    const t = this.now();
    for (const [nonce, expires] of this.seen) if (expires <= t) this.seen.delete(nonce);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.fh.close().catch(() => undefined);
  }
}

/** Writes the live entries to a fresh file (unique temp name, fsynced, renamed) and opens it for appends. */
async function rewrite(path: string, seen: ReadonlyMap<string, number>): Promise<FileHandle> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const out = await open(tmp, 'w', 0o600);
  try {
    await out.write([...seen].map(([nonce, expires]) => `${expires} ${nonce}\n`).join(''));
    await out.sync();
  } finally {
    await out.close();
  }
  await rename(tmp, path).catch(async (err: unknown) => {
    await rm(tmp, { force: true });
    throw err;
  });
  return open(path, 'a', 0o600);
}
