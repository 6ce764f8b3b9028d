import t from 'tap';
import { join } from 'node:path';
import { openLevelJournal, openMemoryJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { MemoryColdStore } from '../core/journal/cold/memory-cold-store.js';
import { coldHistoryUnit } from '../adapters/units/cold-history.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import type { JournalEntry } from '../core/events/event.js';
import { waitFor } from './helpers/wait-for.js';
import { coldSettings, collectAll, fillDays, T0, DAY } from './helpers/cold-history.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('reads, origin reads and a slow subscription from position 1 stay exact while moves delete hot entries under them', async (t) => {
  const dir = tempDir(t);
  const clock = { t: T0 };
  const j = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
  t.teardown(() => j.close());
  await fillDays(j, clock, 12, 60_000);
  const reference = await collectAll(j.read());
  const seen: JournalEntry[] = [];
  const sub = j.subscribe({ fromPosition: 1, batchSize: 97 }, async (entries) => {
    seen.push(...entries);
    await new Promise((r) => setImmediate(r));
  });
  let moving = true;
  const mover = (async () => {
    while (await j.moveCold(coldSettings(() => clock.t, { maxEvents: 700, deleteBatch: 100 })));
    moving = false;
  })();
  const readers = (async () => {
    let rounds = 0;
    while (moving || rounds < 2) {
      rounds++;
      const p = 1 + ((rounds * 911) % reference.length);
      t.same(await j.getAt(p), reference[p - 1], `getAt(${p}) during moves`);
      const some = await collectAll(j.readOrigin(j.nodeId, p, p + 300));
      t.same(some.map((e) => e.position), reference.slice(p - 1, p + 300).map((e) => e.position), `readOrigin from ${p} during moves`);
      const raw = await collectAll(j.readOriginRaw(j.nodeId, p, p + 300));
      t.equal(raw.length, some.length);
    }
    return rounds;
  })();
  const full = await collectAll(j.read());
  const [rounds] = await Promise.all([readers, mover]);
  t.ok(rounds > 1, `${rounds} rounds of reads ran during the moves`);
  t.same(full, reference, 'a full replay that overlapped the moves');
  await waitFor(() => seen.length >= reference.length, { timeoutMs: 60_000, message: 'the subscription caught up' });
  sub.close();
  await sub.done;
  t.same(seen, reference, 'the subscription got every entry once, in order');
  t.ok(j.coldManifest!.list().length >= 5, `${j.coldManifest!.list().length} files`);
});

t.test('the cold-history unit moves in the background, and pause() holds it until resume()', async (t) => {
  // Events from 2026-01-01: with the real clock later than that plus 8 days, all of them are old.
  const clock = { t: T0 };
  const j = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => j.close());
  await fillDays(j, clock, 2, 60_000);
  t.ok(Date.now() > clock.t + 8 * DAY, 'the test runs after its events are past the hot window');
  const shelf = new Shelf();
  shelf.put('journal', j);
  const logs: string[] = [];
  const log = { info: (_: unknown, m: string) => logs.push(m), error: (_: unknown, m: string) => logs.push(m), warn: () => undefined, debug: () => undefined };
  const config = { journal: { hotDays: 7, coldFileMaxEvents: 1000, coldMoveIntervalMs: 0 }, sync: { cluster: 'smollama' } };
  const unit = coldHistoryUnit();
  await unit.start({ config, log, shelf } as unknown as UnitContext);
  t.teardown(() => unit.stop());
  const control = shelf.get('coldHistory');
  control.pause();
  t.ok(control.isPaused);
  t.equal(await control.moveNow(), 0, 'nothing moves while paused');
  t.equal(j.coldManifest!.list().length, 0);
  control.resume();
  const files = await control.moveNow();
  t.ok(files >= 2, `${files} files moved once resumed`);
  t.equal(j.coldManifest!.coldTo, j.lastPosition() - 1, 'everything but the newest event moved');
  t.equal(unit.health().state, 'running');
  t.ok(logs.includes('history moved to a cold file'));
});
