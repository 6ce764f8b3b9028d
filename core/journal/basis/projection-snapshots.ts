import type { ProjectionCheckpoint } from '../../projection/projection.js';
import type { BasisSnapshots } from '../../projection/snapshot.js';
import type { Db } from '../journal-state.js';
import { LevelProjectionStore } from '../level-projection-store.js';

/**
 * Projection snapshots at the basis: before retention drops history, every projection's stored
 * data (checkpoint, state, records — whatever keys its store writes) is copied byte for byte, so a
 * rebuild after retention starts from the copy instead of position 1, whose events are gone.
 *
 * A projection's data lives in the sublevel `proj/<name>`; its snapshot in one of two slots,
 * `snap/<name>/a` and `snap/<name>/b`, and `snapmeta/<name>` names the complete one. A new snapshot
 * is written into the other slot and then the name flips (one put), so a crash at any point leaves
 * the previous snapshot whole. The copy is read through one iterator: one LevelDB snapshot, so the
 * checkpoint and the records it was committed with are copied together even while the runner commits.
 */

interface SnapMeta {
  readonly slot: 'a' | 'b';
  readonly position: number;
  readonly version: number;
}

/** One projection's snapshot, as taken. */
export interface SnapshotInfo {
  readonly name: string;
  readonly position: number;
  readonly version: number;
  readonly keys: number;
}

const COPY_BATCH = 1000;

export class ProjectionSnapshots implements BasisSnapshots {
  constructor(private readonly db: Db) {}

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
    let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
    for await (const [key, value] of this.db.iterator({ gte: source, lt: bump(source) })) {
      ops.push({ type: 'put', key: Buffer.concat([target, key.subarray(source.length)]), value });
      keys++;
      if (ops.length >= COPY_BATCH) {
        await this.db.batch(ops as never);
        ops = [];
      }
    }
    if (ops.length) await this.db.batch(ops as never);
    if (keys === 0) return undefined;
    // The copy's checkpoint, read by the store that wrote it: whatever its layout, load() knows it.
    const checkpoint = await this.slotStore(name, slot).load();
    if (!checkpoint) return undefined;
    const next: SnapMeta = { slot, position: checkpoint.position, version: checkpoint.version };
    await this.metaLevel().put(name, next);
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
    const source = this.slotPrefix(name, meta.slot);
    let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
    let last: { type: 'put'; key: Buffer; value: Buffer } | undefined;
    // LevelProjectionStore's checkpoint key ('c'): restored last, so a half-restored store has none.
    const checkpointKey = Buffer.concat([target, Buffer.from('c', 'utf8')]);
    for await (const [key, value] of this.db.iterator({ gte: source, lt: bump(source) })) {
      const op = { type: 'put' as const, key: Buffer.concat([target, key.subarray(source.length)]), value };
      if (op.key.equals(checkpointKey)) last = op;
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

  private dataPrefix(name: string): string {
    return this.db.sublevel(['proj', name]).prefix;
  }

  private slotPrefix(name: string, slot: 'a' | 'b'): Buffer {
    return Buffer.from(this.db.sublevel(['snap', name, slot]).prefix, 'utf8');
  }

  private slotStore(name: string, slot: 'a' | 'b'): LevelProjectionStore {
    return new LevelProjectionStore(this.db, this.db.sublevel<string, unknown>(['snap', name, slot], { keyEncoding: 'utf8', valueEncoding: 'json' }));
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
