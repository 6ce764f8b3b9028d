/**
 * A node under heavy write load, for crash tests: a real SmolNode (projections, sampler) plus
 * concurrent batched appends. Prints `ack <seq>` once each append has resolved (is durable).
 * Usage: node --import tsx test/helpers/append-worker.ts <journal-dir>
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { SmolNode } from '../../core/runtime/smol-node.js';
import { allProjections } from '../../projections/all.js';

const dir = process.argv[2]!;
const journal = await openLevelJournal(dir, { sealEvery: 200 });
let tick = 0;
await SmolNode.start({
  journal,
  registry: createRegistry(),
  name: 'crashy',
  role: 'alpaca',
  software: 'test',
  projections: allProjections,
  schedules: [{ provider: { name: 'fast', sources: () => [{ source: 'fast.n', provider: 'fast', simulated: false }], sample: async () => ({ 'fast.n': tick++ % 97 }) }, intervalMs: 1 }],
  sealIntervalMs: 50,
});
process.stdout.write(`ready ${journal.nodeId}\n`);
let i = 0;
async function writer(): Promise<void> {
  for (;;) {
    const batch = Array.from({ length: 50 }, () => ({ type: 'reading.sampled', data: { values: { 'load.x': (i++ % 1000) / 10, 'load.y': i % 7 } } }));
    const entries = await journal.append(batch);
    process.stdout.write(`ack ${entries[entries.length - 1]!.event.seq}\n`);
  }
}
await Promise.all([writer(), writer(), writer(), writer()]);
