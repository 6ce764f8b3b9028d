import t from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { collect } from './helpers/cli.js';
import { coldSettings, collectAll, T0, DAY } from './helpers/cold-history.js';
import { tempDir } from './helpers/temp-dir.js';

const child = fileURLToPath(new URL('./helpers/cold-move-child.ts', import.meta.url));
const registry = createRegistry();

/** Every step of a move, and which occurrence to die at (the second file's, for some). */
const crashes: Array<[string, number]> = [
  ['temp-synced', 1],
  ['renamed', 1],
  ['read-back', 1],
  ['manifest-recorded', 1],
  ['hot-batch-deleted', 1],
  ['hot-batch-deleted', 5],
  ['hot-deleted', 1],
  ['compacted', 1],
  ['temp-synced', 2],
  ['manifest-recorded', 2],
];

for (const [step, nth] of crashes) {
  t.test(`kill -9 after ${step} (#${nth}) of a move loses nothing and leaves a journal that verifies`, async (t) => {
    const dir = tempDir(t);
    const result = await collect(spawn(process.execPath, ['--import', 'tsx', child, dir, step, String(nth)], { stdio: ['ignore', 'pipe', 'pipe'] }));
    t.equal(result.signal, 'SIGKILL', result.stderr);
    const acked = Number(/acked (\d+)/.exec(result.stdout)?.[1]);
    t.ok(acked > 10_000, `${acked} events acknowledged before the move`);

    const clock = { t: T0 + 11 * DAY };
    const j = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
    t.teardown(() => j.close());
    const leftovers = readdirSync(join(dir, 'cold')).filter((n) => !j.coldManifest!.list().some((e) => e.name === n));
    t.same(leftovers, [], 'no temp file or orphan is left in the cold directory');
    const report = await verifyJournal(j, registry);
    t.ok(report.ok, JSON.stringify(report.problems));
    const entries = await collectAll(j.read());
    t.equal(entries.length, acked, 'every acknowledged event is readable');
    t.ok(entries.every((e, i) => e.position === i + 1), 'at its position');
    const hot = await collectAll(j.database.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' }).keys());
    t.equal(hot.length, acked - j.coldManifest!.coldTo, 'recorded moves have left LevelDB (open finished the deletes)');

    // The move goes on from where it stopped.
    while (await j.moveCold(coldSettings(() => clock.t, { maxEvents: 2500 })));
    t.ok(j.coldManifest!.coldTo > 0);
    const again = await verifyJournal(j, registry);
    t.ok(again.ok, JSON.stringify(again.problems));
    t.same((await collectAll(j.read())).map((e) => e.event.id), entries.map((e) => e.event.id), 'same ids at the same positions after the rest moved');
  });
}
