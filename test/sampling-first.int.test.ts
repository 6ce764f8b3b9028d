import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { SmolNode } from '../core/runtime/smol-node.js';
import type { SensorProvider } from '../core/sensors/sensor-port.js';
import { allProjections } from '../projections/all.js';
import { buildApp } from '../adapters/http/app.js';
import { generateTokens } from '../adapters/http/auth/tokens.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

/** A node whose provider's samples resolve only when the test releases them, and its app. */
async function heldNode(t: Test) {
  const pending: Array<(v: Record<string, number>) => void> = [];
  const provider: SensorProvider = {
    name: 'held',
    sources: () => [{ source: 'held.temp', provider: 'held', unit: '°C', simulated: false }],
    sample: () => new Promise((resolve) => pending.push(resolve)),
  };
  const journal = await openMemoryJournal();
  const node = await SmolNode.start({
    journal, registry: createRegistry(), name: 'kitchen', role: 'alpaca', software: 'test', projections: allProjections,
    schedules: [{ provider, intervalMs: 60_000 }], sealIntervalMs: 600_000, timers: new ManualTimers(),
    // A clock that stands still: on a loaded machine building the app can take longer than the
    // 1 s a running tick may hold requests back.
    now: () => Date.UTC(2025, 0, 15, 12),
  });
  let n = 0;
  const app = await buildApp({ journal, node, info: { name: 'kitchen', role: 'alpaca', software: 'test', startedAt: Date.now() }, auth: { tokens: generateTokens((size) => Buffer.alloc(size, ++n)) } });
  t.teardown(async () => {
    while (pending.length > 0) pending.shift()!({});
    await app.close();
    await node.stop('test');
    await journal.close();
  });
  return { journal, app, pending };
}

const readings = async (journal: { read(o: { types: string[] }): AsyncIterable<unknown> }) => {
  let count = 0;
  for await (const _ of journal.read({ types: ['reading.sampled'] })) count++;
  return count;
};

t.test('a request that arrives while a sampling tick runs is answered after the reading is journaled', async (t) => {
  const { journal, app, pending } = await heldNode(t);
  await waitFor(() => pending.length === 1, { timeoutMs: 5000, message: 'the first tick to ask for a sample' });
  let answered = false;
  const response = app.inject({ method: 'GET', url: '/api/health', remoteAddress: '127.0.0.1' }).then((r) => ((answered = true), r));
  // Checking that something does not happen needs a window: 100 ms, well inside the hook's 250 ms cap
  // (without the hook /api/health answers in a few ms).
  await t.rejects(waitFor(() => answered, { timeoutMs: 100 }), { name: 'WaitTimeoutError' }, 'the request waits while the tick samples');
  pending.shift()!({ 'held.temp': 21 });
  t.equal((await response).statusCode, 200);
  t.equal(await readings(journal), 1, 'the reading was journaled first');
});

t.test('a provider that never answers holds a request back only briefly', async (t) => {
  const { journal, app, pending } = await heldNode(t);
  await waitFor(() => pending.length === 1, { timeoutMs: 5000, message: 'the first tick to ask for a sample' });
  const response = await app.inject({ method: 'GET', url: '/api/health', remoteAddress: '127.0.0.1' });
  t.equal(response.statusCode, 200, 'answered while the sample is still outstanding');
  t.equal(pending.length, 1);
  t.equal(await readings(journal), 0);
});
