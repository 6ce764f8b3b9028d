import type { EventDataMap } from '../core/events/core-events.js';
import type { Projection, ProjectionStore } from '../core/projection/projection.js';

/** The agent's persistent key-value storage, per origin: each value is a record; state counts the changes. */
export interface StorageState {
  writes: number;
  deletes: number;
}

/** Key-value storage from storage.written / storage.deleted. */
export const storageProjection: Projection<StorageState> = {
  name: 'storage',
  version: 1,
  handles: ['storage.written', 'storage.deleted'],
  initial: () => ({ writes: 0, deletes: 0 }),
  apply(state, event, emit) {
    if (event.v !== 1) return state;
    switch (event.type) {
      case 'storage.written': {
        const d = event.data as EventDataMap['storage.written'];
        emit(storageKey(event.origin, d.key), { key: d.key, value: d.value, updatedBy: event.id });
        state.writes += 1;
        break;
      }
      case 'storage.deleted': {
        const d = event.data as EventDataMap['storage.deleted'];
        emit(storageKey(event.origin, d.key), undefined);
        state.deletes += 1;
        break;
      }
      default:
        break;
    }
    return state;
  },
};

function storageKey(origin: string, key: string): string {
  return `k/${origin}/${key}`;
}

/** The value stored under `key` by `origin`, or undefined. */
export async function storageGet(store: Pick<ProjectionStore, 'getRecord'>, origin: string, key: string): Promise<{ key: string; value: unknown } | undefined> {
  return (await store.getRecord(storageKey(origin, key))) as { key: string; value: unknown } | undefined;
}

/** Keys stored by `origin` that start with `prefix`, sorted. */
export async function storageList(store: Pick<ProjectionStore, 'records'>, origin: string, prefix = '', limit = 100): Promise<string[]> {
  const out: string[] = [];
  const base = storageKey(origin, prefix);
  for await (const [, value] of store.records({ gte: base, lt: `${base}\uffff`, limit })) out.push((value as { key: string }).key);
  return out;
}
