import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { Sampler } from '../core/runtime/sampler.js';
import { ManualTimeouts, ManualTimers } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

const WINDOW_MS = 10_000;
const TICK_MS = 5_000;

async function world(t: Test) {
  const timeouts = new ManualTimeouts();
  const journal = await openMemoryJournal({ readingsCommitMs: WINDOW_MS, timeouts });
  t.teardown(() => journal.close());
  let n = 0;
  let samples = 0;
  const provider = { name: 'p', sources: () => [], sample: async () => ((samples += 1), { 'p.x': ++n }) };
  const timers = new ManualTimers();
  const sampler = new Sampler({ journal, schedules: [{ provider, intervalMs: TICK_MS }], timers, now: () => 0 });
  return { journal, timeouts, timers, sampler, samples: () => samples };
}

t.test('with a readings window, a tick whose reading is held does not make the next tick skip', async (t) => {
  const { journal, timeouts, timers, sampler, samples } = await world(t);
  sampler.start();
  await waitFor(() => timeouts.pending.size === 1, { timeoutMs: 5000, message: 'the first reading to be held' });
  timers.fire(TICK_MS);
  await waitFor(() => samples() === 2, { timeoutMs: 5000, message: 'the second tick to sample' });
  t.equal(journal.lastPosition(), 0, 'both readings are still held');
  timeouts.advance(WINDOW_MS);
  await waitFor(() => journal.lastPosition() === 2, { timeoutMs: 5000, message: 'the window to write both' });
  t.equal(journal.writeStats().syncs, 1, 'two ticks, one batch');
  await sampler.stop();
});

t.test('stopping the sampler writes its held readings without waiting for the window', async (t) => {
  const { journal, timeouts, sampler } = await world(t);
  sampler.start();
  await waitFor(() => timeouts.pending.size === 1, { timeoutMs: 5000, message: 'the first reading to be held' });
  await sampler.stop();
  t.equal(journal.lastPosition(), 1, 'durable once stop resolved, the manual window never fired');
  t.equal(timeouts.pending.size, 0);
});
