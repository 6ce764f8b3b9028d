/**
 * A node's HTTP app (journal on disk, /ws) in a process of its own, so a test or benchmark can read
 * its RSS from /proc/<pid>/status without counting the clients' memory.
 *
 *   fork('test/helpers/ws-node-child.ts', [journalDir, JSON.stringify(wsOptions)], { execArgv: ['--import', 'tsx'] })
 *
 * The child sends `{ port }` once it listens; it answers `{ op: 'stats' }` with `{ stats, memory }`
 * (the WebSocket route's counters, or null when the route has none, and process.memoryUsage()),
 * collects garbage on `{ op: 'gc' }` when run with --expose-gc (answering `{ gced }`), and exits on `{ op: 'exit' }`.
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { buildApp } from '../../adapters/http/app.js';
import { stubAppNode } from './stub-app-node.js';
import { generateTokens } from '../../adapters/http/auth/tokens.js';
import type { WsOptions } from '../../adapters/http/routes/ws.js';

async function child(dir: string, options: WsOptions): Promise<void> {
  const journal = await openLevelJournal(dir);
  let stats: (() => unknown) | undefined;
  const ws = { ...options, monitor: (read: () => unknown) => (stats = read) } as WsOptions;
  const app = await buildApp({ journal, node: stubAppNode, info: { name: 'child', role: 'alpaca', software: 'test', startedAt: Date.now() }, auth: { tokens: generateTokens() }, ws });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.on('message', (m: { op?: string }) => {
    if (m.op === 'stats') process.send!({ stats: stats ? stats() : null, memory: process.memoryUsage() });
    if (m.op === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      process.send!({ gced: gc !== undefined });
    }
    if (m.op === 'exit') void app.close().then(() => journal.close()).then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.send) {
  await child(process.argv[2]!, JSON.parse(process.argv[3] ?? '{}') as WsOptions);
}
