import type { ProjectionStore } from '../core/projection/projection.js';
import { defineProjection, exhaustive } from '../core/projection/define-projection.js';

/** The agent's persistent key-value storage, per origin: each value is a record; state counts the changes. */
export interface StorageState {
  writes: number;
  deletes: number;
}

/** Key-value storage from storage.written / storage.deleted. */
export const storageProjection = defineProjection({
  name: 'storage',
  version: 1,
  handles: ['storage.written', 'storage.deleted'],
  initial: (): StorageState => ({ writes: 0, deletes: 0 }),
  evolve(state, event, emit) {
    switch (event.type) {
      case 'storage.written':
        emit(storageKey(event.origin, event.data.key), { key: event.data.key, value: event.data.value, updatedBy: event.id });
        state.writes += 1;
        return state;
      case 'storage.deleted':
        emit(storageKey(event.origin, event.data.key), undefined);
        state.deletes += 1;
        return state;
      default:
        return exhaustive(event, state);
    }
  },
});

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
