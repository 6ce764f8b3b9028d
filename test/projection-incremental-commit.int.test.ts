import t, { type Test } from 'tap';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import type { Projection, ProjectionStore } from '../core/projection/projection.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

// Projections commit only what changed (issue 11: write less), at most every commitIntervalMs or
// commitEvery events, and queries see applied-but-uncommitted records meanwhile.

/** Per source: a latest value in state (grows with the sources), and every reading as a record. */
interface Latest {
  sources: Record<string, { value: number; count: number }>;
  total: number;
}
const latest: Projection<Latest> = {
  name: 'latest-test',
  version: 1,
  handles: ['reading.sampled'],
  initial: () => ({ sources: {}, total: 0 }),
  apply(state, event, emit) {
    const values = (event.data as { values: Record<string, number> }).values;
    for (const [source, value] of Object.entries(values)) {
      const s = (state.sources[source] ??= { value, count: 0 });
      s.value = value;
      s.count += 1;
      emit(`r/${source}/${String(event.seq).padStart(8, '0')}`, { value });
    }
    state.total += 1;
    return state;
  },
};

/** Timers the test fires by hand. */
function manualTimer() {
  const due: Array<{ fn: () => void; ms: number }> = [];
  return {
    due,
    setTimer: (fn: () => void, ms: number) => (due.push({ fn, ms }), due.length),
    clearTimer: (h: unknown) => void (due[(h as number) - 1] = { fn: () => undefined, ms: -1 }),
    fire: () => due.splice(0).forEach((d) => d.fn()),
  };
}

async function chunksOf(store: ProjectionStore): Promise<Map<string, string>> {
  return new Map(await store.loadChunks!());
}

async function open(t: Test) {
  const journal = await openLevelJournal(tempDir(t));
  t.teardown(() => journal.close());
  return journal;
}

t.test('a commit writes the state chunks that changed and the new records, not the whole state', async (t) => {
  const journal = await open(t);
  const timer = manualTimer();
  const runner = new ProjectionRunner(journal, latest, createRegistry(), { commitIntervalMs: 60_000, splitBytes: 256, ...timer });
  await runner.start();
  const values = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`source.${String(i).padStart(3, '0')}`, i]));
  await journal.appendOne('reading.sampled', { values });
  await runner.caughtUp();
  await runner.flush();
  const disk = runner.store.committed;
  const first = await chunksOf(disk);
  t.ok(first.size > 100, `the state is stored as ${first.size} chunks`);
  t.equal(runner.lastCommit?.records, 100, 'the first commit wrote every record');
  const stateBytes = JSON.stringify(runner.state).length;

  await journal.appendOne('reading.sampled', { values: { 'source.042': 7 } });
  await runner.caughtUp();
  await runner.flush();
  const second = await chunksOf(disk);
  const changed = [...second].filter(([k, v]) => first.get(k) !== v).map(([k]) => k);
  t.same(changed.sort(), [JSON.stringify(['sources', 'source.042']), JSON.stringify(['total'])], 'on disk, only the changed source and the total were rewritten');
  t.equal(runner.lastCommit?.chunks, 2);
  t.equal(runner.lastCommit?.records, 1, 'and the one new record');
  t.ok(runner.lastCommit!.chunkBytes + runner.lastCommit!.recordBytes < stateBytes / 20, `${runner.lastCommit!.chunkBytes + runner.lastCommit!.recordBytes} bytes written for a ${stateBytes}-byte state`);
  t.same((await disk.load())?.position, journal.lastPosition());
  t.notOk('state' in ((await disk.load()) ?? {}), 'the checkpoint itself no longer carries the state');
  await runner.stop();

  const again = new ProjectionRunner(journal, latest, createRegistry());
  await again.load();
  t.same(again.state, runner.state, 'a restart assembles the same state from the chunks');
  t.same(Object.keys(again.state.sources), Object.keys(runner.state.sources), 'in the same key order');
});

t.test('nothing is committed before commitIntervalMs, queries still read what was applied, and stop commits', async (t) => {
  const journal = await open(t);
  const timer = manualTimer();
  const runner = new ProjectionRunner(journal, latest, createRegistry(), { commitIntervalMs: 60_000, ...timer });
  await runner.start();
  for (let i = 1; i <= 5; i++) await journal.appendOne('reading.sampled', { values: { a: i } });
  await runner.caughtUp();
  const disk = runner.store.committed;
  t.equal(runner.commits, 0, 'applied, not committed');
  t.equal(await disk.load().then((c) => c?.position ?? 0), 0, 'the stored checkpoint has not moved');
  t.equal(await disk.getRecord('r/a/00000003'), undefined, 'no record is on disk yet');
  t.same(await runner.store.getRecord('r/a/00000003'), { value: 3 }, 'but a query reads it through the overlay');
  const listed: string[] = [];
  for await (const [k] of runner.store.records({ gte: 'r/a/', lt: 'r/a/~', reverse: true, limit: 2 })) listed.push(k);
  t.same(listed, ['r/a/00000005', 'r/a/00000004'], 'range queries merge uncommitted records, order and limit kept');
  t.equal(runner.state.sources['a']?.value, 5, 'the in-memory state is current');
  t.same(timer.due.map((d) => d.ms), [60_000], 'one commit is scheduled, commitIntervalMs after the first change');

  timer.fire();
  await t.resolves(async () => {
    // The timer's commit runs on the runner's flush chain: a flush after it resolves once it landed.
    await runner.flush();
  });
  t.equal(runner.commits, 1, 'the timer committed once');
  t.equal((await disk.load())?.position, journal.lastPosition());
  t.same(await disk.getRecord('r/a/00000003'), { value: 3 }, 'the record is on disk now');

  await journal.appendOne('reading.sampled', { values: { a: 6 } });
  await runner.caughtUp();
  t.equal(runner.commits, 1, 'a later change waits for the next interval');
  await runner.stop();
  t.equal(runner.commits, 2, 'stop commits');
  t.equal((await disk.load())?.position, journal.lastPosition());
});

t.test('commitEvery applied events forces a commit while catching up', async (t) => {
  const journal = await open(t);
  await journal.append(Array.from({ length: 3000 }, (_, i) => ({ type: 'reading.sampled', data: { values: { a: i } } })));
  const timer = manualTimer();
  // Windows of 512 events: a commit after every second window.
  const runner = new ProjectionRunner(journal, latest, createRegistry(), { commitIntervalMs: 60_000, commitEvery: 1000, ...timer });
  await runner.start();
  await runner.caughtUp();
  t.ok(runner.commits >= 2, `${runner.commits} commits while catching up 3,000 events at commitEvery 1,000, before any timer`);
  t.ok(runner.lastCommit!.records <= 1024, `no commit held more than two windows of records (${runner.lastCommit!.records})`);
  await runner.stop();
  t.equal((await runner.store.committed.load())?.position, journal.lastPosition());
});

t.test('events a projection does not handle move its position without arming a commit, until commitEvery positions', async (t) => {
  const journal = await open(t);
  const timer = manualTimer();
  const storageOnly: Projection<{ n: number }> = { name: 'storage-only', version: 1, handles: ['storage.written'], initial: () => ({ n: 0 }), apply: (s) => ({ n: s.n + 1 }) };
  const runner = new ProjectionRunner(journal, storageOnly, createRegistry(), { commitIntervalMs: 60_000, commitEvery: 600, ...timer });
  await runner.start();
  await journal.append(Array.from({ length: 500 }, (_, i) => ({ type: 'reading.sampled', data: { values: { a: i } } })));
  await runner.caughtUp();
  t.equal(runner.position, journal.lastPosition(), 'the position follows the journal');
  t.same(timer.due, [], 'no commit is scheduled for positions alone');
  t.equal(runner.commits, 0);
  await journal.append(Array.from({ length: 200 }, (_, i) => ({ type: 'reading.sampled', data: { values: { a: i } } })));
  await runner.caughtUp();
  await waitFor(() => runner.commits === 1, { timeoutMs: 5000, message: 'the checkpoint-only commit' });
  t.equal(runner.commits, 1, 'past commitEvery positions behind, the checkpoint is moved on, without a timer');
  t.same(timer.due, []);
  t.ok(runner.committed >= 600, `committed at ${runner.committed}`);
  await runner.stop();
});
