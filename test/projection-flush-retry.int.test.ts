import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import type { Projection, ProjectionStore } from '../core/projection/projection.js';
import { createRegistry } from '../core/events/default-registry.js';

// A projection commit that fails (a full disk) must not end the projection's commits for good,
// nor drop the records of the failed commit (issue 9, item 6).

const counter: Projection<{ n: number }> = {
  name: 'counter',
  version: 1,
  handles: ['reading.sampled'],
  initial: () => ({ n: 0 }),
  apply: (state, event, emit) => {
    emit(`at:${event.seq}`, { seq: event.seq });
    return { n: state.n + 1 };
  },
};

t.test('after a failed commit, the next flush commits everything applied, records of the failed one included', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  let failNext = false;
  const real = journal.projectionStore.bind(journal);
  journal.projectionStore = (name: string): ReturnType<typeof real> => {
    const store = real(name);
    const commit: ProjectionStore['commit'] = (checkpoint, records) => (failNext ? ((failNext = false), Promise.reject(new Error('IO error: No space left on device'))) : store.commit(checkpoint, records));
    return Object.assign(Object.create(Object.getPrototypeOf(store)), store, { commit });
  };
  const runner = new ProjectionRunner(journal, counter, createRegistry(), { flushIntervalMs: 60_000 });
  await runner.start();
  await journal.appendOne('reading.sampled', { values: { a: 1 } });
  await journal.appendOne('reading.sampled', { values: { a: 2 } });
  await runner.caughtUp();
  failNext = true;
  await t.rejects(runner.flush(), 'the commit on a full disk fails');
  await journal.appendOne('reading.sampled', { values: { a: 3 } });
  await runner.caughtUp();
  await runner.flush();
  const store = real('counter');
  t.equal((await store.load())?.position, journal.lastPosition(), 'the checkpoint reaches the end of the journal');
  t.same(await store.getRecord('at:1'), { seq: 1 }, 'a record of the failed commit is stored');
  t.same(await store.getRecord('at:3'), { seq: 3 }, 'and one applied after it');
  await runner.stop();
});
