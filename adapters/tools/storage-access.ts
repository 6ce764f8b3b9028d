import type { StorageAccess } from '../../core/tools/ports.js';
import { storageGet, storageList } from '../../projections/storage.js';
import { settled, type NodeViews } from './node-views.js';

/** Key-value storage as events (storage.written / storage.deleted), read back from the storage projection. */
export function storageAccess(node: NodeViews): StorageAccess {
  const self = node.journal.nodeId;
  const runner = () => settled(node.runner('storage'));
  return {
    async put(key, value, caller) {
      const [e] = await node.journal.append([{ type: 'storage.written', data: { key, value, by: caller } }]);
      await settled(node.runner('storage'), e!.position);
    },
    async get(key) {
      const v = await storageGet((await runner()).store, self, key);
      return v ? { key: v.key, value: v.value } : undefined;
    },
    async list(prefix, limit) {
      return storageList((await runner()).store, self, prefix, limit);
    },
    async delete(key, caller) {
      if (!(await storageGet((await runner()).store, self, key))) return false;
      const [e] = await node.journal.append([{ type: 'storage.deleted', data: { key, by: caller } }]);
      await settled(node.runner('storage'), e!.position);
      return true;
    },
  };
}
