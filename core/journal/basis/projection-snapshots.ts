import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zc } from 'node:zlib';
import type { ProjectionCheckpoint } from '../../projection/projection.js';
import type { BasisSnapshots } from '../../projection/snapshot.js';
import type { Db } from '../journal-state.js';
import { LevelProjectionStore } from '../level-projection-store.js';

/**
 * Projection snapshots at the basis: before retention drops history, every projection's stored
 * data (checkpoint, state, records — whatever keys its store writes) is copied, every key and value
 * as it is, so a rebuild after retention starts from the copy instead of position 1, whose events are
 * gone. The copy is brotli-compressed in chunks of CHUNK_KEYS entries (a sensors projection's 30 days
 * of minute rollups: ~12.6 MB in LevelDB's own compression, 3.9 MB so), since it counts in
 * journal.maxBytes and is read only by a rebuild. Snapshots of before (no `format`) are plain copies.
 *
 * A projection's data lives in the sublevel `proj/<name>`; its snapshot in one of two slots,
 * `snap/<name>/a` and `snap/<name>/b`, and `snapmeta/<name>` names the complete one. A new snapshot
 * is written into the other slot and then the name flips (one put), so a crash at any point leaves
 * the previous snapshot whole; once the flip is written, the previous slot is cleared. The copy is
 * read through one iterator: one LevelDB snapshot, so the checkpoint and the records it was
 * committed with are copied together even while the runner commits.
 */

interface SnapMeta {
  readonly slot: 'a' | 'b';
  readonly position: number;
  readonly version: number;
  /** 'brotli-chunks': values are compressed runs of (u32 key length, key, u32 value length, value). */
  readonly format?: 'brotli-chunks';
}

/** One projection's snapshot, as taken. */
export interface SnapshotInfo {
  readonly name: string;
  readonly position: number;
  readonly version: number;
  readonly keys: number;
}

const COPY_BATCH = 1000;
/** Entries per compressed chunk (~270 KB raw of sensor rollups), and chunks per batch. */
const CHUNK_KEYS = 2000;
const CHUNKS_PER_BATCH = 4;
/** Quality 5: most of the gain of 11 at a small part of its CPU (0.6 s for 80 MB raw here). */
const BROTLI = { params: { [zc.BROTLI_PARAM_QUALITY]: 5 } };
/** LevelProjectionStore's checkpoint key inside a projection's sublevel. */
const CHECKPOINT_KEY = Buffer.from('c', 'utf8');
const brotli = promisify(brotliCompress);
const unbrotli = promisify(brotliDecompress);

/** A chunk's key in its slot: zero-padded so chunks sort in the order written. */
const chunkKey = (n: number): Buffer => Buffer.from(String(n).padStart(10, '0'), 'utf8');

function length(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

/** The steps of a snapshot, in order; crash tests kill the process after each. */
export type SnapshotStep = 'chunk-batch' | 'flipped' | 'cleared';

export class ProjectionSnapshots implements BasisSnapshots {
  constructor(
    private readonly db: Db,
    private readonly onStep?: (step: SnapshotStep) => void | Promise<void>,
  ) {}

  /** Names of the projections with stored data (`proj/<name>` sublevels), found by seeking past each. */
  async projectionNames(): Promise<string[]> {
    const root = this.db.sublevel('proj').prefix; // '!proj!'
    const names: string[] = [];
    let after: Buffer = Buffer.from(root, 'utf8');
    const end = bump(Buffer.from(root, 'utf8'));
    for (;;) {
      let key: Buffer | undefined;
      for await (const k of this.db.keys({ gte: after, lt: end, limit: 1 })) key = k;
      if (!key) break;
      const rest = key.toString('utf8', root.length); // '!<name>!<key>'
      const close = rest.indexOf('!', 1);
      if (!rest.startsWith('!') || close < 0) break;
      const name = rest.slice(1, close);
      names.push(name);
      after = bump(Buffer.from(this.dataPrefix(name), 'utf8')); // just past this projection's keys
    }
    return names;
  }

  /** Snapshots every projection (or `names`): each a consistent copy of its stored data. */
  async takeAll(names?: readonly string[]): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for (const name of names ?? (await this.projectionNames())) {
      const info = await this.take(name);
      if (info) out.push(info);
    }
    return out;
  }

  /** Copies `proj/<name>` into the free slot and makes it current. Undefined when the projection stores nothing yet. */
  async take(name: string): Promise<SnapshotInfo | undefined> {
    const meta = await this.meta(name);
    const slot = meta?.slot === 'a' ? 'b' : 'a';
    const target = this.slotPrefix(name, slot);
    await this.clearPrefix(target);
    const source = Buffer.from(this.dataPrefix(name), 'utf8');
    let keys = 0;
    let chunks = 0;
    let checkpoint: ProjectionCheckpoint | undefined;
    let pairs: Buffer[] = [];
    let inChunk = 0;
    let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
    const seal = async (): Promise<void> => {
      if (inChunk > 0) {
        ops.push({ type: 'put', key: Buffer.concat([target, chunkKey(chunks++)]), value: await brotli(Buffer.concat(pairs), BROTLI) });
        pairs = [];
        inChunk = 0;
      }
      if (ops.length >= CHUNKS_PER_BATCH) {
        await this.db.batch(ops as never);
        ops = [];
        await this.onStep?.('chunk-batch');
      }
    };
    for await (const [key, value] of this.db.iterator({ gte: source, lt: bump(source) })) {
      const rel = key.subarray(source.length);
      // The checkpoint committed with these records (LevelProjectionStore's key 'c', JSON).
      if (rel.equals(CHECKPOINT_KEY)) checkpoint = JSON.parse(value.toString('utf8')) as ProjectionCheckpoint;
      pairs.push(length(rel.length), rel, length(value.length), value);
      keys++;
      if (++inChunk >= CHUNK_KEYS) await seal();
    }
    await seal();
    if (ops.length) {
      await this.db.batch(ops as never);
      await this.onStep?.('chunk-batch');
    }
    if (keys === 0 || !checkpoint) return undefined;
    const next: SnapMeta = { slot, position: checkpoint.position, version: checkpoint.version, format: 'brotli-chunks' };
    await this.metaLevel().put(name, next);
    await this.onStep?.('flipped');
    // The previous slot is no longer named by the meta: a copy of the whole projection that would
    // stay on disk until the next snapshot. LevelDB applies writes in order, so after a crash the
    // clear is only there if the flip before it is. Compacting both slots' ranges returns the space
    // (the clear's tombstones and the overwritten copy) now rather than whenever LevelDB gets to it.
    if (meta) await this.clearPrefix(this.slotPrefix(name, meta.slot));
    await this.onStep?.('cleared');
    await this.compactPrefix(this.snapPrefix(name));
    return { name, position: next.position, version: next.version, keys };
  }

  /** The current snapshot's position and version, if any. */
  async info(name: string): Promise<{ position: number; version: number } | undefined> {
    const meta = await this.meta(name);
    return meta && { position: meta.position, version: meta.version };
  }

  /**
   * Replaces `proj/<name>` with its snapshot and returns the snapshot's checkpoint; undefined (and
   * nothing changed) when there is none, or only one of another version.
   */
  async restore(name: string, version: number): Promise<ProjectionCheckpoint | undefined> {
    const meta = await this.meta(name);
    if (!meta || meta.version !== version) return undefined;
    const target = Buffer.from(this.dataPrefix(name), 'utf8');
    // The checkpoint first goes (by clearing everything), then comes back last with the copy: a
    // crash midway leaves no checkpoint, and the next start restores again.
    await this.clearPrefix(target);
    let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
    let last: { type: 'put'; key: Buffer; value: Buffer } | undefined;
    for await (const [rel, value] of this.entries(this.slotPrefix(name, meta.slot), meta.format)) {
      const op = { type: 'put' as const, key: Buffer.concat([target, rel]), value };
      // LevelProjectionStore's checkpoint key: restored last, so a half-restored store has none.
      if (rel.equals(CHECKPOINT_KEY)) last = op;
      else ops.push(op);
      if (ops.length >= COPY_BATCH) {
        await this.db.batch(ops as never);
        ops = [];
      }
    }
    if (last) ops.push(last);
    if (ops.length) await this.db.batch(ops as never);
    return new LevelProjectionStore(this.db, this.db.sublevel<string, unknown>(['proj', name], { keyEncoding: 'utf8', valueEncoding: 'json' })).load();
  }

  /** A slot's (key relative to the projection's prefix, value) pairs, in key order, whichever format it was written in. */
  private async *entries(slot: Buffer, format: SnapMeta['format']): AsyncIterable<[Buffer, Buffer]> {
    for await (const [key, value] of this.db.iterator({ gte: slot, lt: bump(slot) })) {
      if (format === undefined) {
        yield [key.subarray(slot.length), value]; // a byte-for-byte copy (snapshots before brotli-chunks)
        continue;
      }
      const raw = await unbrotli(value);
      for (let at = 0; at < raw.length; ) {
        const k = raw.readUInt32BE(at);
        const key = raw.subarray(at + 4, at + 4 + k);
        at += 4 + k;
        const v = raw.readUInt32BE(at);
        yield [key, raw.subarray(at + 4, at + 4 + v)];
        at += 4 + v;
      }
    }
  }

  private dataPrefix(name: string): string {
    return this.db.sublevel(['proj', name]).prefix;
  }

  private slotPrefix(name: string, slot: 'a' | 'b'): Buffer {
    return Buffer.from(this.db.sublevel(['snap', name, slot]).prefix, 'utf8');
  }

  /** Both slots of a projection (`snap/<name>/a` and `/b`). */
  private snapPrefix(name: string): Buffer {
    return Buffer.from(this.db.sublevel(['snap', name]).prefix, 'utf8');
  }

  private async compactPrefix(prefix: Buffer): Promise<void> {
    const db = this.db as unknown as { compactRange?: (start: Buffer, end: Buffer) => Promise<void> };
    if (typeof db.compactRange === 'function') await db.compactRange(prefix, bump(prefix));
  }

  private metaLevel() {
    return this.db.sublevel<string, SnapMeta>('snapmeta', { keyEncoding: 'utf8', valueEncoding: 'json' });
  }

  private async meta(name: string): Promise<SnapMeta | undefined> {
    return (await this.metaLevel().get(name)) ?? undefined;
  }

  private async clearPrefix(prefix: Buffer): Promise<void> {
    await this.db.clear({ gte: prefix, lt: bump(prefix) } as never);
  }
}

/** The smallest key after every key starting with `prefix` (its last byte + 1). */
function bump(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  out[out.length - 1]! += 1;
  return out;
}
