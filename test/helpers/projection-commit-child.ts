/**
 * A node whose projections commit all the time, for the kill -9 test: a real SmolNode with
 * commitEvery 50 and commitIntervalMs 5 (small state chunks, so every commit writes several),
 * plus writers appending readings and storage writes. Prints `commits <n>` as the commits add up.
 * Usage: node --import tsx test/helpers/projection-commit-child.ts <journal-dir>
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { SmolNode } from '../../core/runtime/smol-node.js';
import { allProjections } from '../../projections/all.js';

const dir = process.argv[2]!;
const journal = await openLevelJournal(dir, { sealEvery: 300 });
const node = await SmolNode.start({
  journal,
  registry: createRegistry(),
  name: 'committer',
  role: 'alpaca',
  software: 'test',
  projections: allProjections,
  projectionOptions: { commitEvery: 50, commitIntervalMs: 5, splitBytes: 64 },
  schedules: [],
  sealIntervalMs: 50,
});
const runners = [...node.runners.values()];
setInterval(() => process.stdout.write(`commits ${runners.reduce((n, r) => n + r.commits, 0)}\n`), 20);
let i = 0;
async function writer(w: number): Promise<void> {
  for (;;) {
    const batch = Array.from({ length: 20 }, () => {
      i++;
      return i % 5 === 0
        ? { type: 'storage.written', data: { key: `k${i % 31}`, value: i, by: { kind: 'cli' } } }
        : { type: 'reading.sampled', data: { values: { [`w${w}.s${i % 11}`]: i % 97 } } };
    });
    await journal.append(batch);
  }
}
await Promise.all([writer(1), writer(2), writer(3)]);
