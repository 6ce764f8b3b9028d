import type { NodeUnit } from './context.js';

/** Exchanges segments with the configured peers; starts once the node is begun (imports are journaled). */
export function syncPeersUnit(): NodeUnit {
  let stop: (() => Promise<void>) | undefined;
  let peers = 0;
  return {
    name: 'sync-peers',
    needs: ['begin', 'sync'],
    stopTimeoutMs: 1500,
    async start({ config, shelf }) {
      const sync = shelf.get('sync');
      peers = config.sync.peers.length;
      sync.startLoop();
      stop = () => sync.stop();
    },
    async stop() {
      await stop?.();
    },
    health: () => (peers > 0 ? { state: 'running', message: `${peers} peer(s)` } : { state: 'stopped', message: 'no peers configured (sync.peers)' }),
  };
}
