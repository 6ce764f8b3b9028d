import { SmolError, ErrorCodes } from '../../errors.js';
import type { Db } from '../journal-state.js';
import { TEMP_SUFFIX, type ColdFileStore } from './cold-store.js';

/**
 * The manifest of cold history: which immutable cold files exist and what each covers. It lives in
 * LevelDB (sublevel `cold`, one key per file, written in one batch with the file's seek index), so
 * it changes atomically with whatever else a caller puts in the same batch (retention's basis).
 *
 * A file is on disk before its manifest entry is written, and its entry is gone before it is
 * unlinked; so after a crash a file that is present but not in the manifest is an orphan (its
 * events are still hot, or it was being dropped) and `load` removes it, as it removes temp files.
 * Get the journal's manifest from `LevelJournal.coldManifest`.
 */

/** The seq range of one origin inside a cold file (a contiguous range: positions hold each origin's events in seq order). */
export interface ColdOriginRange {
  readonly origin: string;
  readonly fromSeq: number;
  readonly toSeq: number;
}

/** One cold file, as the manifest records it. */
export interface ColdFileEntry {
  /** File name inside the cold directory, e.g. `000000000001-000000086400.smolseg`. */
  readonly name: string;
  /** The contiguous range of journal log positions it holds, inclusive. */
  readonly fromPosition: number;
  readonly toPosition: number;
  /** Per origin, the seqs it holds, in the order of the segment's ranges. */
  readonly origins: readonly ColdOriginRange[];
  /** Events in the file (= toPosition - fromPosition + 1). */
  readonly events: number;
  /** Size of the file on disk. */
  readonly bytes: number;
  /** Wall time (ms) when the file was written. */
  readonly createdMs: number;
  /** The HLC wall (ms) of its oldest and newest events (by HLC, not by position). */
  readonly oldestWallMs: number;
  readonly newestWallMs: number;
  /** sha-256 of the segment (its trailer), hex: ties the entry to the exact file. */
  readonly sha256: string;
}

/** An extra operation on the root database, written in the same batch as a manifest change. */
export type ColdBatchOp = { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer } | { readonly type: 'del'; readonly key: Buffer };

export interface DropOptions {
  /** Written in the same batch as the removal of the entries (e.g. retention's new feed bases). */
  readonly extraOps?: readonly ColdBatchOp[];
  /** Crash tests: called after the manifest batch and after each unlink. */
  readonly onStep?: (step: 'manifest-dropped' | 'unlinked', name: string) => void | Promise<void>;
}

const FILE_KEY = 'file!';
const INDEX_KEY = 'index!';

/** The manifest key of a file starting at `fromPosition`: zero-padded so keys sort by position. */
function fileKey(fromPosition: number): string {
  return FILE_KEY + String(fromPosition).padStart(15, '0');
}

/** The conventional name of a cold file holding positions [from, to]. */
export function coldFileName(fromPosition: number, toPosition: number): string {
  return `${String(fromPosition).padStart(12, '0')}-${String(toPosition).padStart(12, '0')}.smolseg`;
}

/**
 * The list of cold files, oldest first, kept in memory (a few hundred small entries at most) and
 * in LevelDB. Changes (add, drop) run one at a time through `exclusive`.
 */
export class ColdManifest {
  private entries: ColdFileEntry[];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly prefix: string;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly db: Db,
    readonly store: ColdFileStore,
    entries: ColdFileEntry[],
  ) {
    this.entries = entries;
    this.prefix = db.sublevel<string, Buffer>('cold', { keyEncoding: 'utf8', valueEncoding: 'buffer' }).prefix;
  }

  /**
   * Reads the manifest and tidies the cold directory: temp files and orphans (present, not in the
   * manifest) are removed. Throws SMOL_JOURNAL_CORRUPT when an entry does not parse or entries overlap.
   */
  static async load(db: Db, store: ColdFileStore): Promise<ColdManifest> {
    const sub = db.sublevel<string, Buffer>('cold', { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    const entries: ColdFileEntry[] = [];
    for await (const [key, value] of sub.iterator({ gte: FILE_KEY, lt: 'file"' })) {
      try {
        entries.push(JSON.parse(value.toString('utf8')) as ColdFileEntry);
      } catch (cause) {
        throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `the cold manifest entry ${key} does not parse`, { cause });
      }
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i]!.fromPosition <= entries[i - 1]!.toPosition) {
        throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `cold files ${entries[i - 1]!.name} and ${entries[i]!.name} overlap`);
      }
    }
    const known = new Set(entries.map((e) => e.name));
    for (const name of await store.list()) {
      if (name.endsWith(TEMP_SUFFIX) || (name.endsWith('.smolseg') && !known.has(name))) await store.remove(name);
    }
    return new ColdManifest(db, store, entries);
  }

  /** Every cold file, oldest first (a copy). */
  list(): ColdFileEntry[] {
    return [...this.entries];
  }

  /** The last position held in cold files (0 when there are none): every position up to it is read from them. */
  get coldTo(): number {
    return this.entries[this.entries.length - 1]?.toPosition ?? 0;
  }

  /** The first position held in cold files, or undefined when there are none. */
  get coldFrom(): number | undefined {
    return this.entries[0]?.fromPosition;
  }

  /** Total bytes of all cold files. */
  totalBytes(): number {
    return this.entries.reduce((n, e) => n + e.bytes, 0);
  }

  /** The file holding `position`, or undefined (binary search). */
  fileFor(position: number): ColdFileEntry | undefined {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid]!;
      if (position < e.fromPosition) hi = mid - 1;
      else if (position > e.toPosition) lo = mid + 1;
      else return e;
    }
    return undefined;
  }

  /** The file holding (origin, seq), or undefined. */
  fileForSeq(origin: string, seq: number): { entry: ColdFileEntry; rangeIndex: number } | undefined {
    for (const entry of this.entries) {
      const rangeIndex = entry.origins.findIndex((r) => r.origin === origin && seq >= r.fromSeq && seq <= r.toSeq);
      if (rangeIndex >= 0) return { entry, rangeIndex };
    }
    return undefined;
  }

  /** The stored seek index of a file (cold-index.ts), or undefined when the file is not in the manifest. */
  async index(name: string): Promise<Buffer | undefined> {
    const sub = this.db.sublevel<string, Buffer>('cold', { keyEncoding: 'utf8', valueEncoding: 'buffer' });
    return (await sub.get(INDEX_KEY + name)) ?? undefined;
  }

  /** Runs `fn` with no other manifest change (move, drop) in between. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Hears every change (an added or dropped file); returns an unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Records a written (fsynced, renamed) file with its seek index, in one batch. Call inside
   * `exclusive`. Throws TypeError when it does not directly follow the newest file.
   */
  async add(entry: ColdFileEntry, index: Buffer): Promise<void> {
    if (entry.fromPosition <= this.coldTo) throw new TypeError(`cold file ${entry.name} starts at ${entry.fromPosition}, inside cold history (to ${this.coldTo})`);
    await this.db.batch([
      { type: 'put', key: this.key(fileKey(entry.fromPosition)), value: Buffer.from(JSON.stringify(entry), 'utf8') },
      { type: 'put', key: this.key(INDEX_KEY + entry.name), value: index },
    ] as never);
    this.entries = [...this.entries, entry];
    this.changed();
  }

  /**
   * Drops the `count` oldest cold files (retention): their entries leave the manifest in one batch
   * (with `extraOps`), then the files are unlinked. A crash between the two leaves orphans that the
   * next `load` removes. Returns the dropped entries. Runs exclusively with moves.
   */
  dropOldest(count: number, options: DropOptions = {}): Promise<ColdFileEntry[]> {
    return this.exclusive(async () => {
      const dropped = this.entries.slice(0, Math.max(0, count));
      if (dropped.length === 0 && !options.extraOps?.length) return [];
      const ops: ColdBatchOp[] = [];
      for (const e of dropped) {
        ops.push({ type: 'del', key: this.key(fileKey(e.fromPosition)) }, { type: 'del', key: this.key(INDEX_KEY + e.name) });
      }
      ops.push(...(options.extraOps ?? []));
      await this.db.batch(ops as never);
      this.entries = this.entries.slice(dropped.length);
      this.changed();
      for (const e of dropped) await options.onStep?.('manifest-dropped', e.name);
      for (const e of dropped) {
        await this.store.remove(e.name);
        await options.onStep?.('unlinked', e.name);
      }
      return dropped;
    });
  }

  private key(k: string): Buffer {
    return Buffer.from(this.prefix + k, 'utf8');
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
