import t, { type Test } from 'tap';
import { openLevelJournal } from '../core/journal/open-journal.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import type { EventDraft, JournalEntry } from '../core/events/event.js';
import { ManualTimeouts } from './helpers/manual-timers.js';
import { tempDir } from './helpers/temp-dir.js';

const WINDOW_MS = 10_000;
const reading = (n: number): EventDraft => ({ type: 'reading.sampled', data: { values: { 'system.load_1': n } } });
const gpioWrite: EventDraft = { type: 'gpio.written', data: { pin: '17', value: 1, simulated: true } };

/** An append whose settling the test can look at without awaiting it. */
function tracked(journal: LevelJournal, drafts: EventDraft[]) {
  const state = { settled: false, entries: undefined as JournalEntry[] | undefined };
  const promise = journal.append(drafts).then((entries) => {
    state.settled = true;
    state.entries = entries;
    return entries;
  });
  return { state, promise };
}

async function types(journal: LevelJournal): Promise<string[]> {
  const out: string[] = [];
  for await (const e of journal.read()) out.push(`${e.event.type}#${e.event.seq}`);
  return out;
}

async function open(t: Test, dir: string, timeouts: ManualTimeouts, readingsCommitMs = WINDOW_MS): Promise<LevelJournal> {
  const journal = await openLevelJournal(dir, { readingsCommitMs, timeouts });
  t.teardown(() => journal.close());
  return journal;
}

t.test('readings appended within the window resolve only after the one synced batch, and are there after a reopen', async (t) => {
  const dir = tempDir(t);
  const timeouts = new ManualTimeouts();
  const journal = await open(t, dir, timeouts);
  const before = journal.writeStats();
  const appends = [1, 2, 3].map((n) => tracked(journal, [reading(n)]));
  t.equal(timeouts.pending.size, 1, 'one window is open for all three');
  // A real read of the store goes through LevelDB's thread pool and back: the held appends stay unsettled meanwhile.
  t.same(await types(journal), [], 'held readings are not readable');
  t.equal(journal.lastPosition(), 0, 'nor counted as durable');
  t.notOk(appends.some((a) => a.state.settled), 'no held append has resolved');
  t.equal(journal.writeStats().batches, before.batches, 'nothing was written');

  timeouts.advance(WINDOW_MS);
  const entries = (await Promise.all(appends.map((a) => a.promise))).flat();
  t.same(entries.map((e) => e.position), [1, 2, 3], 'positions were stamped in append order');
  t.equal(journal.writeStats().syncs - before.syncs, 1, 'the window cost one fsync');
  t.equal(journal.lastPosition(), 3);
  await journal.close();

  const again = await open(t, dir, new ManualTimeouts());
  t.same(await types(again), ['reading.sampled#1', 'reading.sampled#2', 'reading.sampled#3'], 'durable: there after a reopen');
});

t.test('anything but a reading flushes the held readings with it, in one batch and in order', async (t) => {
  const timeouts = new ManualTimeouts();
  const journal = await open(t, tempDir(t), timeouts);
  const before = journal.writeStats();
  const held = [tracked(journal, [reading(1)]), tracked(journal, [reading(2)])];
  const [written] = await journal.append([gpioWrite]);
  t.equal(written!.position, 3, 'the GPIO write follows the readings stamped before it');
  t.ok(held.every((a) => a.state.settled), 'the held readings resolved with it');
  t.equal(journal.writeStats().syncs - before.syncs, 1, 'all three in one synced batch');
  t.equal(timeouts.pending.size, 0, 'the window closed');
  t.same(await types(journal), ['reading.sampled#1', 'reading.sampled#2', 'gpio.written#3']);
});

t.test('a mixed append, a seal and close never wait for the window', async (t) => {
  const dir = tempDir(t);
  const timeouts = new ManualTimeouts();
  const journal = await openLevelJournal(dir, { readingsCommitMs: WINDOW_MS, timeouts, sealEvery: 3 });
  await journal.append([reading(1), gpioWrite]);
  t.equal(journal.lastPosition(), 2, 'readings with a GPIO write in the same append are written at once');
  const third = tracked(journal, [reading(3)]);
  await third.promise;
  t.same(third.state.entries!.map((e) => e.event.type), ['reading.sampled', 'feed.sealed'], 'a reading that brings a seal is written at once');
  const last = tracked(journal, [reading(4)]);
  t.equal(timeouts.pending.size, 1);
  await journal.close();
  t.ok(last.state.settled, 'close wrote the held reading');
  const again = await openLevelJournal(dir);
  t.teardown(() => again.close());
  t.equal(again.lastPosition(), 5, 'and it is there after a reopen');
});

t.test('the writer syncs once per window, however many readings it holds', async (t) => {
  const timeouts = new ManualTimeouts();
  const journal = await open(t, tempDir(t), timeouts);
  const before = journal.writeStats();
  for (let window = 0; window < 3; window++) {
    const appends = Array.from({ length: 10 }, (_, i) => journal.append([reading(window * 10 + i)]));
    timeouts.advance(WINDOW_MS);
    await Promise.all(appends);
  }
  const stats = journal.writeStats();
  t.equal(stats.syncs - before.syncs, 3, 'three windows, three fsyncs');
  t.equal(stats.events - before.events, 30);
});

t.test('readingsCommitMs 0 writes every reading as it comes, as before', async (t) => {
  const timeouts = new ManualTimeouts();
  const journal = await open(t, tempDir(t), timeouts, 0);
  const before = journal.writeStats();
  for (let i = 0; i < 3; i++) await journal.append([reading(i)]);
  t.equal(timeouts.pending.size, 0, 'no window');
  t.equal(journal.writeStats().syncs - before.syncs, 3, 'one fsync per awaited append');
});

t.test('a journal that is flushed writes held readings without waiting for the window', async (t) => {
  const timeouts = new ManualTimeouts();
  const journal = await open(t, tempDir(t), timeouts);
  const held = tracked(journal, [reading(1)]);
  await journal.flush();
  t.equal(journal.lastPosition(), 1, 'durable when the flush resolves');
  t.equal(timeouts.pending.size, 0, 'the window closed');
  t.same((await held.promise).map((e) => e.position), [1], 'and its append resolved (the manual window never fired)');
});

t.test('readings held when writes start failing are refused with the fault, never written into the broken log', async (t) => {
  const timeouts = new ManualTimeouts();
  const journal = await open(t, tempDir(t), timeouts);
  const held = journal.append([reading(1)]);
  // A projection commit that hit a full disk during the window (the store tells the journal's guard).
  const store = journal.projectionStore('probe') as unknown as { guard: { failed(cause: unknown): void } };
  store.guard.failed(new Error('IO error: No space left on device'));
  t.equal(journal.writeFault()?.code, 'SMOL_DISK_FULL', 'the journal refuses writes');
  await t.rejects(journal.append([reading(2)]), { code: 'SMOL_DISK_FULL' }, 'a new reading is refused at once');
  timeouts.advance(WINDOW_MS);
  await t.rejects(held, { code: 'SMOL_DISK_FULL' }, 'the held one with the same code when its window ends');
  t.equal(journal.lastPosition(), 0, 'nothing was written');
  t.same(await types(journal), []);
});
