import t from 'tap';
import { openLevelJournal, openMemoryJournal } from '../core/journal/open-journal.js';
import { MemoryColdStore } from '../core/journal/cold/memory-cold-store.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import type { JournalEntry } from '../core/events/event.js';
import { tempDir } from './helpers/temp-dir.js';
import { join } from 'node:path';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** Moves with a 7-day hot window, a file per day, as the unit does. */
const settings = (now: () => number, maxEvents = 100_000) => ({ hotMs: 7 * DAY, fileSpanMs: DAY, maxEvents, now, cluster: 'smollama', frameBytes: 16 << 10 });

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A journal with `days` of readings, one every `stepMs`, on a clock that then stands `days + 1` later. */
async function filled(journal: LevelJournal, clock: { t: number }, days: number, stepMs: number): Promise<void> {
  const end = clock.t + days * DAY;
  let batch: Array<{ type: string; data: unknown }> = [];
  for (let n = 0; clock.t < end; clock.t += stepMs, n++) {
    batch.push({ type: 'reading.sampled', data: { values: { 'system.load_1': (n % 50) / 10, 'system.cpu_temp': 40 + (n % 7) } } });
    if (batch.length === 200) {
      await journal.append(batch as never);
      batch = [];
    }
  }
  if (batch.length) await journal.append(batch as never);
}

t.test('moved events read back equal through every read path, and positions and ids do not change', async (t) => {
  const clock = { t: T0 };
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => journal.close());
  await filled(journal, clock, 10, 60_000);
  const before = await all(journal.read());
  const last = journal.lastPosition();
  const result = await journal.moveCold(settings(() => clock.t));
  t.ok(result, 'a file was written');
  const entry = result!.entry;
  t.equal(entry.fromPosition, 1);
  t.ok(entry.toPosition > 1000 && entry.toPosition < last, `it covers old positions only (to ${entry.toPosition} of ${last})`);
  t.equal(journal.coldManifest!.list().length, 1);
  const hotLeft = await all(journal.database.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' }).keys());
  t.equal(hotLeft.length, last - entry.toPosition, 'the moved entries left LevelDB');

  const after = await all(journal.read());
  t.equal(after.length, before.length);
  t.same(after, before, 'read() from position 1 is the same across the boundary');
  t.same(await all(journal.read({ reverse: true })), [...before].reverse(), 'and in reverse');
  t.same(await all(journal.read({ fromPosition: entry.toPosition - 5, toPosition: entry.toPosition + 5 })), before.slice(entry.toPosition - 6, entry.toPosition + 5));
  t.same(await all(journal.read({ fromPosition: 100, limit: 3 })), before.slice(99, 102));
  const origin = journal.nodeId;
  const byOrigin = await all(journal.readOrigin(origin, 1));
  t.same(byOrigin.map((e) => e.event), before.map((e) => e.event), 'readOrigin');
  t.same(byOrigin.map((e) => e.position), before.map((e) => e.position));
  const raw = await all(journal.readOriginRaw(origin, entry.toPosition - 2, entry.toPosition + 2));
  t.same(raw.map((r) => r.seq), [0, 1, 2, 3, 4].map((i) => entry.toPosition - 2 + i), 'readOriginRaw across the boundary');
  for (const p of [1, 2, 777, entry.toPosition, entry.toPosition + 1, last]) {
    t.same(await journal.getAt(p), before[p - 1], `getAt(${p})`);
    t.same(await journal.get(origin, p), before[p - 1], `get(${origin}:${p})`);
  }

  const seen: JournalEntry[] = [];
  const sub = journal.subscribe({ fromPosition: 1, batchSize: 300 }, (entries) => void seen.push(...entries));
  while (seen.length < before.length) await new Promise((r) => setImmediate(r));
  sub.close();
  await sub.done;
  t.same(seen, before, 'a subscription from position 1 gets everything in order');
});

t.test('on disk: moved history survives a restart with the same positions and ids, and LevelDB shrinks', async (t) => {
  const dir = tempDir(t);
  const clock = { t: T0 };
  const cold = () => fsColdStore(join(dir, 'cold'));
  const a = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: cold() });
  await filled(a, clock, 9, 30_000);
  const before = await all(a.read());
  const moved = await a.moveCold(settings(() => clock.t));
  t.ok(moved);
  await a.close();
  const b = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: cold() });
  t.teardown(() => b.close());
  t.equal(b.lastPosition(), before.length);
  t.same(await all(b.read()), before);
  const [next] = await b.append([{ type: 'reading.sampled', data: { values: { x: 1 } } }] as never);
  t.equal(next!.position, before.length + 1, 'positions continue');
  t.equal(next!.event.prev.length, 64);
});

t.test('dropOldest (retention) removes the oldest files atomically; reads start after them and moving goes on', async (t) => {
  const clock = { t: T0 };
  const store = new MemoryColdStore();
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: store });
  t.teardown(() => journal.close());
  await filled(journal, clock, 12, 60_000);
  while (await journal.moveCold(settings(() => clock.t, 1500)));
  const manifest = journal.coldManifest!;
  const files = manifest.list();
  t.ok(files.length >= 4, `${files.length} files`);
  const steps: string[] = [];
  const dropped = await manifest.dropOldest(2, { onStep: (step, name) => void steps.push(`${step} ${name}`) });
  t.same(dropped.map((e) => e.name), files.slice(0, 2).map((e) => e.name), 'the two oldest');
  t.same(steps, [...dropped.map((e) => `manifest-dropped ${e.name}`), ...dropped.map((e) => `unlinked ${e.name}`)], 'manifest first, then unlink');
  t.notOk(store.files.has(files[0]!.name), 'the file is gone');
  t.equal(manifest.coldFrom, files[2]!.fromPosition);
  const [first] = await all(journal.read({ limit: 1 }));
  t.equal(first!.position, files[2]!.fromPosition, 'reads start at the first position still held');
  t.equal(await journal.getAt(1), undefined, 'a dropped position is not found');

  await manifest.dropOldest(manifest.list().length);
  t.equal(manifest.coldTo, 0, 'no cold files left');
  clock.t += 3 * DAY;
  const moved = await journal.moveCold(settings(() => clock.t, 1500));
  t.ok(moved, 'a move after every file was dropped starts at the first hot position');
  t.equal(moved!.entry.fromPosition, files[files.length - 1]!.toPosition + 1);
});
