import { watchDataDisk } from '../cli/disk-watch.js';
import type { NodeUnit } from './context.js';

/** Watches free space on the data disk and repairs the journal once there is room (adapters/cli/disk-watch.ts). */
export function diskWatchUnit(): NodeUnit {
  let watch: { stop(): void } | undefined;
  return {
    name: 'disk-watch',
    needs: ['journal'],
    async start({ config, log, shelf }) {
      watch = watchDataDisk({ journal: shelf.get('journal'), dataDir: config.dataDir, minFreeBytes: config.journal.minFreeBytes, log });
    },
    async stop() {
      watch?.stop();
    },
    health: () => ({ state: 'running' }),
  };
}
