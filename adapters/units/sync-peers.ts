import { ownSnapshots, type VisionState } from '../../projections/vision.js';
import { rateLimitedLog } from '../log/rate-limit.js';
import { SnapshotSender } from '../vision/snapshots/snapshot-sender.js';
import type { NodeUnit } from './context.js';
import type {} from './memory.js';
import type {} from './node.js';
import type {} from './snapshots.js';

/**
 * Exchanges segments with the configured peers; starts once the node is begun (imports are
 * journaled). With vision.snapshots.sync, each successful round is followed by sending the peer
 * the snapshot files of this node's own detections that it lacks (adapters/vision/snapshots/snapshot-sender.ts).
 */
export function syncPeersUnit(): NodeUnit {
  let stop: (() => Promise<void>) | undefined;
  let peers = 0;
  return {
    name: 'sync-peers',
    needs: ['begin', 'sync', 'node', 'snapshots'],
    stopTimeoutMs: 1500,
    async start({ config, log, shelf }) {
      const sync = shelf.get('sync');
      peers = config.sync.peers.length;
      if (sync.loop && sync.client && config.vision.snapshots.sync) {
        const node = shelf.get('node');
        const self = node.journal.nodeId;
        // A peer that keeps refusing (an older version without the routes, a full disk) fails every round: once a minute per kind.
        const rl = rateLimitedLog(log);
        const sender = new SnapshotSender({
          store: shelf.get('snapshots'),
          client: sync.client,
          hashes: () => ownSnapshots(node.runner<VisionState>('vision').state, self),
          paused: () => shelf.peek('memoryPressure')?.paused() ?? false,
          log: (fields, message) => rl('warn', `${String(fields.peer ?? '')}:${String(fields.code ?? 'size')}`, fields, message),
        });
        sync.loop.afterEachRound((target, _result, signal) => sender.sendTo(target, signal));
      }
      sync.startLoop();
      stop = () => sync.stop();
    },
    async stop() {
      await stop?.();
    },
    health: () => (peers > 0 ? { state: 'running', message: `${peers} peer(s)` } : { state: 'stopped', message: 'no peers configured (sync.peers)' }),
  };
}

