import type { ProjectionCheckpoint, ProjectionStore, RecordQuery } from './projection.js';

/**
 * A projection store as queries see it: the committed records with the records emitted since
 * (not yet committed, or being committed) laid over them, so a read right after an apply sees
 * what was applied although the disk commit comes up to a minute later. Writes pass through.
 */
export class OverlayStore implements ProjectionStore {
  constructor(
    private readonly base: ProjectionStore,
    /** The uncommitted record maps, newest first (value undefined = deleted). */
    private readonly layers: () => ReadonlyArray<ReadonlyMap<string, unknown>>,
  ) {}

  /** The store underneath (what is on disk). */
  get committed(): ProjectionStore {
    return this.base;
  }

  load(): Promise<ProjectionCheckpoint | undefined> {
    return this.base.load();
  }

  commit(checkpoint: ProjectionCheckpoint, records: ReadonlyMap<string, unknown>, chunks?: ReadonlyMap<string, string | undefined>): Promise<void> {
    return this.base.commit(checkpoint, records, chunks);
  }

  clear(): Promise<void> {
    return this.base.clear();
  }

  async getRecord(key: string): Promise<unknown> {
    for (const layer of this.layers()) if (layer.has(key)) return layer.get(key);
    return this.base.getRecord(key);
  }

  /** The merge of the uncommitted records in range with the committed ones; an uncommitted key wins. */
  async *records(query: RecordQuery): AsyncIterable<[string, unknown]> {
    const over = this.overlayIn(query);
    const limit = query.limit ?? -1;
    if (over.length === 0) {
      yield* this.base.records(query);
      return;
    }
    const reverse = query.reverse ?? false;
    const before = (a: string, b: string) => (reverse ? a > b : a < b);
    // The limit applies after the merge (deleted keys would otherwise use up the store's).
    const { limit: _ignored, ...unlimited } = query;
    let sent = 0;
    let i = 0;
    const emit = function* (key: string, value: unknown): Generator<[string, unknown]> {
      if (value === undefined) return;
      sent++;
      yield [key, value];
    };
    for await (const [key, value] of this.base.records(unlimited)) {
      while (i < over.length && before(over[i]![0], key)) {
        yield* emit(...over[i++]!);
        if (sent === limit) return;
      }
      if (i < over.length && over[i]![0] === key) yield* emit(...over[i++]!);
      else yield* emit(key, value);
      if (sent === limit) return;
    }
    while (i < over.length) {
      yield* emit(...over[i++]!);
      if (sent === limit) return;
    }
  }

  /** Uncommitted entries in the query's range, newest layer winning, in the query's order. */
  private overlayIn(query: RecordQuery): Array<[string, unknown]> {
    const merged = new Map<string, unknown>();
    for (const layer of this.layers()) {
      for (const [key, value] of layer) {
        if (merged.has(key)) continue;
        if (query.gte !== undefined && key < query.gte) continue;
        if (query.lt !== undefined && key >= query.lt) continue;
        else if (query.lt === undefined && query.lte !== undefined && key > query.lte) continue;
        merged.set(key, value);
      }
    }
    const out = [...merged];
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (query.reverse) out.reverse();
    return out;
  }
}
