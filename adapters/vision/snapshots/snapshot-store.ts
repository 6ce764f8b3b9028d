import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { Box } from '../../../core/vision/vision-port.js';
import { writeFileAtomic } from '../../files/atomic-file.js';
import { checkFrame } from '../cameras/frame-bytes.js';
import { annotate, thumbnailOf } from './annotate.js';

const HASH = /^[0-9a-f]{64}$/;
/** No snapshot this store writes comes near this (a 4096×4096 frame re-encoded at quality 80); a larger file is not one of ours. */
export const MAX_SNAPSHOT_FILE_BYTES = 32 * 1024 * 1024;
/** writeFileAtomic's temp file of a snapshot (`<name>.<pid>.<n>.tmp`): what a killed write leaves. */
const TEMP = /^[0-9a-f]{64}(?:-thumb)?\.jpg\.(\d+)\.\d+\.tmp$/;

export interface SnapshotStoreOptions {
  /** `<dataDir>/snapshots`. */
  readonly dir: string;
  /** The store's size budget (bytes, images and thumbnails); the oldest are removed first. */
  readonly maxBytes: number;
  readonly now?: () => number;
}

interface Entry {
  readonly bytes: number;
  readonly atMs: number;
}

export interface StoredSnapshot {
  /** sha256 hex of the stored JPEG: its name, and what vision.detected references. */
  readonly sha256: string;
  readonly bytes: number;
  /** Snapshots removed to stay within the budget. */
  readonly evicted: readonly string[];
}

/**
 * Content-addressed snapshot files: `<dir>/<aa>/<sha256>.jpg` and `<sha256>-thumb.jpg`, where
 * `aa` is the hash's first byte (256 directories, none huge). Written atomically, so a power cut
 * leaves a whole file or none; kept within a byte budget, oldest first. Not journaled: the events
 * reference snapshots by hash, and a missing one is just missing.
 */
export class SnapshotStore {
  private readonly entries = new Map<string, Entry>(); // insertion order = age order after open()
  private total = 0;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(private readonly o: SnapshotStoreOptions) {}

  /**
   * Opens (creating nothing until the first write) and indexes what is on disk, oldest first:
   * regular files named by a hash only (a directory or a stray name is not a snapshot), and the
   * temp files a killed write left are removed (no one else would, and the budget does not see them).
   */
  static async open(o: SnapshotStoreOptions): Promise<SnapshotStore> {
    const store = new SnapshotStore(o);
    const found: Array<[string, Entry]> = [];
    for (const aa of await readdir(o.dir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(aa)) continue;
      const sizes = new Map<string, { bytes: number; atMs: number }>();
      for (const name of await readdir(join(o.dir, aa)).catch(() => [] as string[])) {
        const tmp = TEMP.exec(name);
        if (tmp && Number(tmp[1]) !== process.pid) {
          await unlink(join(o.dir, aa, name)).catch(() => undefined);
          continue;
        }
        const m = /^([0-9a-f]{64})(-thumb)?\.jpg$/.exec(name);
        if (!m?.[1] || !m[1].startsWith(aa)) continue;
        const s = await stat(join(o.dir, aa, name)).catch(() => undefined);
        if (!s?.isFile()) continue;
        const prev = sizes.get(m[1]) ?? { bytes: 0, atMs: s.mtimeMs };
        sizes.set(m[1], { bytes: prev.bytes + s.size, atMs: Math.min(prev.atMs, s.mtimeMs) });
      }
      for (const [sha, e] of sizes) found.push([sha, e]);
    }
    found.sort((a, b) => a[1].atMs - b[1].atMs);
    for (const [sha, e] of found) {
      store.entries.set(sha, e);
      store.total += e.bytes;
    }
    return store;
  }

  /** Bytes the store holds now (images and thumbnails). */
  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.size;
  }

  /**
   * Stores a frame with its boxes drawn, and its thumbnail; evicts the oldest snapshots past the
   * budget (never the one just stored). Storing the same picture twice stores it once.
   * Throws SMOL_FRAME_INVALID (frame does not decode), SMOL_DISK_FULL (ENOSPC: nothing of it is
   * left on disk), SMOL_FILE_PERMISSIONS (EACCES), and other filesystem errors as they are.
   */
  async put(frame: Buffer, boxes: readonly Box[]): Promise<StoredSnapshot> {
    const { image, thumbnail } = await annotate(frame, boxes);
    const sha256 = createHash('sha256').update(image).digest('hex');
    // One write at a time, so the index and the budget stay consistent.
    const run = this.writing.then(() => this.write(sha256, image, thumbnail));
    this.writing = run.catch(() => undefined);
    return run;
  }

  /**
   * Stores a snapshot another node made (received by sync) under its name, with a thumbnail made
   * here; the budget applies as to our own. Storing one the store has is a no-op.
   * Throws SMOL_BAD_REQUEST (malformed name, or the bytes do not hash to it), SMOL_BODY_TOO_LARGE
   * (over MAX_SNAPSHOT_FILE_BYTES), SMOL_FRAME_INVALID (not a JPEG that decodes), and what put throws.
   */
  async putReceived(sha256: string, image: Buffer): Promise<StoredSnapshot> {
    if (!HASH.test(sha256)) throw new SmolError(ErrorCodes.BAD_REQUEST, 'a snapshot is named by its sha256: 64 lowercase hex digits');
    if (image.length > MAX_SNAPSHOT_FILE_BYTES) throw new SmolError(ErrorCodes.BODY_TOO_LARGE, `a snapshot may be at most ${MAX_SNAPSHOT_FILE_BYTES} bytes`);
    if (createHash('sha256').update(image).digest('hex') !== sha256) throw new SmolError(ErrorCodes.BAD_REQUEST, `the bytes are not snapshot ${sha256.slice(0, 12)}… (their sha256 differs from the name)`);
    const thumbnail = await thumbnailOf(image);
    const run = this.writing.then(() => this.write(sha256, image, thumbnail));
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async write(sha256: string, image: Buffer, thumbnail: Buffer): Promise<StoredSnapshot> {
    const known = this.entries.get(sha256);
    // The index says so, but the file may have been removed or damaged since: an event must not
    // name a snapshot this store will not serve, so a picture it cannot serve is written again.
    if (known && (await this.get(sha256)) === undefined) await this.remove(sha256, known);
    if (!this.entries.has(sha256)) {
      // Not fsynced: a snapshot lost to a power cut costs nothing the journal needs, and an SD card is spared.
      try {
        await writeFileAtomic(this.thumbPath(sha256), thumbnail, { durable: false });
        await writeFileAtomic(this.imagePath(sha256), image, { durable: false });
      } catch (err) {
        // A full disk between the two writes: no thumbnail without its image, outside the index and the budget.
        await unlink(this.thumbPath(sha256)).catch(() => undefined);
        throw storeError(sha256, err);
      }
      const bytes = image.length + thumbnail.length;
      this.entries.set(sha256, { bytes, atMs: (this.o.now ?? Date.now)() });
      this.total += bytes;
    }
    const evicted: string[] = [];
    for (const [sha, e] of this.entries) {
      if (this.total <= this.o.maxBytes) break;
      if (sha === sha256) continue;
      await this.remove(sha, e);
      evicted.push(sha);
    }
    return { sha256, bytes: this.entries.get(sha256)?.bytes ?? 0, evicted };
  }

  private async remove(sha: string, e: Entry): Promise<void> {
    this.entries.delete(sha);
    this.total -= e.bytes;
    await unlink(this.imagePath(sha)).catch(() => undefined);
    await unlink(this.thumbPath(sha)).catch(() => undefined);
  }

  /**
   * The snapshot JPEG (or its thumbnail) of a hash; undefined when there is none, the file does
   * not hash to its name (damaged), or it is not a regular file of at most MAX_SNAPSHOT_FILE_BYTES. Throws SMOL_BAD_REQUEST for anything but 64 lowercase hex
   * digits, so no name can reach outside the store.
   */
  async get(sha256: string, variant: 'image' | 'thumbnail' = 'image'): Promise<Buffer | undefined> {
    if (typeof sha256 !== 'string' || !HASH.test(sha256)) throw new SmolError(ErrorCodes.BAD_REQUEST, 'a snapshot is named by its sha256: 64 lowercase hex digits');
    const data = await readSnapshotFile(variant === 'image' ? this.imagePath(sha256) : this.thumbPath(sha256));
    if (!data) return undefined;
    if (variant === 'image' && createHash('sha256').update(data).digest('hex') !== sha256) return undefined;
    if (variant === 'thumbnail' && !wholeJpeg(data)) return undefined; // no name to check it by: at least a whole JPEG
    return data;
  }

  /** Whether the store has the snapshot (by its index). Throws like get for a malformed hash. */
  has(sha256: string): boolean {
    if (!HASH.test(sha256)) throw new SmolError(ErrorCodes.BAD_REQUEST, 'a snapshot is named by its sha256: 64 lowercase hex digits');
    return this.entries.has(sha256);
  }

  private imagePath(sha: string): string {
    return join(this.o.dir, sha.slice(0, 2), `${sha}.jpg`);
  }

  private thumbPath(sha: string): string {
    return join(this.o.dir, sha.slice(0, 2), `${sha}-thumb.jpg`);
  }
}

/** A failed snapshot write as a coded error where the cause is one a user can act on. */
function storeError(sha256: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new SmolError(ErrorCodes.DISK_FULL, `snapshot ${sha256.slice(0, 12)}… not stored: no space left on the disk of the snapshot store`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new SmolError(ErrorCodes.FILE_PERMISSIONS, `snapshot ${sha256.slice(0, 12)}… not stored: permission denied in the snapshot store (run as the user that owns the data directory)`, { cause: err });
  return err;
}

/**
 * A regular file's bytes, or undefined for anything else found under a snapshot's name: missing,
 * a directory, a FIFO (opened non-blocking, so a read never waits for a writer that never comes),
 * a device, or a file too large to be a snapshot (read whole, it could take the node's memory).
 */
async function readSnapshotFile(path: string): Promise<Buffer | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const s = await handle.stat();
    if (!s.isFile() || s.size > MAX_SNAPSHOT_FILE_BYTES) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function wholeJpeg(data: Buffer): boolean {
  try {
    checkFrame('snapshot', data, MAX_SNAPSHOT_FILE_BYTES);
    return data[0] === 0xff && data[1] === 0xd8;
  } catch {
    return false;
  }
}
