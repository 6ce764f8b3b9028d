import { startSync, type RunningSync } from '../sync/start-sync.js';
import { portLog } from '../log/logger.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    sync: RunningSync;
  }
}

/**
 * Sync: the trust list, peer state and held segments (a damaged trust.json is SMOL_FILE_CORRUPT
 * here, before anything is journaled). The peer loop is the `sync-peers` unit, after `begin`.
 */
export function syncUnit(): NodeUnit {
  return {
    name: 'sync',
    needs: ['journal', 'node'],
    async start({ config, log, shelf }) {
      shelf.put('sync', await startSync(config, shelf.get('journal'), portLog(log), shelf.get('registry')));
    },
    async stop() {},
    health: () => ({ state: 'running' }),
  };
}
