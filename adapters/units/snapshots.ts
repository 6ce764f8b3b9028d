import { join } from 'node:path';
import { SnapshotStore } from '../vision/snapshots/snapshot-store.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** `<dataDir>/snapshots`: this node's snapshots and those peers sent it (vision.snapshots.sync on theirs). */
    snapshots: SnapshotStore;
  }
}

/**
 * The snapshot store, opened whether or not vision runs here: a hub without cameras keeps and
 * serves the snapshots its peers send it, within the same vision.snapshots.maxBytes budget. One
 * store per node (the vision unit writes to it too), so one index and one budget. Opening only
 * lists the directory; nothing is created until the first snapshot.
 */
export function snapshotsUnit(): NodeUnit {
  let store: SnapshotStore | undefined;
  let budget = 0;
  return {
    name: 'snapshots',
    needs: [],
    async start({ config, shelf }) {
      budget = config.vision.snapshots.maxBytes;
      store = await SnapshotStore.open({ dir: join(config.dataDir, 'snapshots'), maxBytes: config.vision.snapshots.maxBytes });
      shelf.put('snapshots', store);
    },
    async stop() {},
    health: () => ({ state: 'running', message: `${store?.count ?? 0} snapshot(s), ${Math.round((store?.bytes ?? 0) / 1048576)} MiB of ${Math.round((store ? budget : 0) / 1048576)} MiB` }),
  };
}
