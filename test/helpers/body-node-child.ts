/**
 * A node's HTTP app with sync (LevelJournal and sync state on disk, in `dir`) in a process of its
 * own, so a test or benchmark can read its RSS from /proc/<pid>/status without counting the
 * clients' memory. Loopback is not trusted here, so 127.0.0.1 clients are treated like the LAN.
 *
 *   fork('test/helpers/body-node-child.ts', [dir], { execArgv: ['--import', 'tsx'] })
 *
 * The child sends `{ port, trusted }` once it listens (`trusted`: the id of a node in its trust
 * list whose key only the child holds) and exits on `{ op: 'exit' }` or when the parent goes.
 */
import { join } from 'node:path';
import { openLevelJournal, openMemoryJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { buildApp } from '../../adapters/http/app.js';
import { stubAppNode } from './stub-app-node.js';
import { generateTokens } from '../../adapters/http/auth/tokens.js';
import { SyncService } from '../../adapters/sync/sync-service.js';
import { syncSection } from '../../adapters/config/sections/sync.js';

async function child(dir: string): Promise<void> {
  const journal = await openLevelJournal(join(dir, 'journal'));
  const peer = await openMemoryJournal();
  const service = await SyncService.open(journal, dir, syncSection.parse({ cluster: 'bodies' }), createRegistry());
  await service.trust.add(peer.publicKey, 'peer', journal.nodeId);
  const app = await buildApp({
    journal,
    node: stubAppNode,
    info: { name: 'child', role: 'alpaca', software: 'test', startedAt: Date.now() },
    auth: { tokens: generateTokens(), openOnLoopback: false },
    sync: { service },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.on('message', (m: { op?: string }) => {
    if (m.op === 'exit') void app.close().then(() => journal.close()).then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: typeof address === 'object' && address ? address.port : 0, trusted: peer.nodeId });
}

void child(process.argv[2]!);
