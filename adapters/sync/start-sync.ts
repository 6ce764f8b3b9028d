import type { Config } from '../config/schema.js';
import { createRegistry } from '../../core/events/default-registry.js';
import type { EventRegistry } from '../../core/events/registry.js';
import type { LevelJournal } from '../../core/journal/level-journal.js';
import { SyncService } from './sync-service.js';
import { SyncClient } from './http-client.js';
import { PeerLoop } from './peer-loop.js';

/** Sync as a running node has it: the service (for the HTTP routes) and the peer loop. */
export interface RunningSync {
  readonly service: SyncService;
  readonly loop: PeerLoop | undefined;
  /** The loop's signed HTTP client (the snapshot sender uses it: one clock offset per peer). */
  readonly client: SyncClient | undefined;
  /** Starts syncing with the configured peers (once the node listens, so peers can reach back). */
  startLoop(): void;
  stop(): Promise<void>;
}

/** Opens sync for a node: trust, peer state, held segments retried, the loop ready to start. `registry`: the node's own (one per node). */
export async function startSync(config: Config, journal: LevelJournal, log: (message: string) => void, registry: EventRegistry = createRegistry()): Promise<RunningSync> {
  const service = await SyncService.open(journal, config.dataDir, config.sync, registry);
  const retried = await service.retryPending();
  const applied = retried.reduce((n, r) => n + r.applied, 0);
  if (applied > 0) log(`sync: applied ${applied} event(s) from held segments`);
  const pending = (await service.pendingFiles()).length;
  if (pending > 0) log(`sync: ${pending} segment(s) held until the events before them arrive`);
  const client = config.sync.peers.length ? new SyncClient(service) : undefined;
  const loop = client ? new PeerLoop(service, client, config.sync.peers, { intervalMs: config.sync.intervalMs, maxBackoffMs: config.sync.maxBackoffMs, log }) : undefined;
  let started = false;
  return {
    service,
    loop,
    client,
    startLoop() {
      if (started || !loop) return;
      started = true;
      loop.start();
      log(`sync: ${config.sync.peers.map((p) => `${p.name} (${p.url})`).join(', ')} every ${config.sync.intervalMs} ms`);
    },
    async stop() {
      await loop?.stop();
    },
  };
}
