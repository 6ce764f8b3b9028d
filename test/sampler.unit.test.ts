import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { Sampler } from '../core/runtime/sampler.js';
import { ManualTimers } from './helpers/manual-timers.js';

t.test('a source with its own interval is journaled only when that interval is due', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  let now = 0;
  const provider = { name: 'p', sources: () => [], sample: async () => ({ 'p.fast': now, 'p.slow': now }) };
  const sampler = new Sampler({ journal, schedules: [], sourceIntervalsMs: { 'p.slow': 10_000 }, timers: new ManualTimers(), now: () => now });
  for (now = 0; now <= 25_000; now += 5_000) await sampler.tick(provider);
  const ticks = [];
  for await (const e of journal.read()) ticks.push(Object.keys((e.event.data as { values: object }).values).sort().join(','));
  t.same(ticks, ['p.fast,p.slow', 'p.fast', 'p.fast,p.slow', 'p.fast', 'p.fast,p.slow', 'p.fast']);
});

t.test('a provider that throws is reported and the loop goes on', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const errors: string[] = [];
  const provider = { name: 'broken', sources: () => [], sample: async (): Promise<Record<string, number>> => { throw new Error('bus error'); } };
  const sampler = new Sampler({ journal, schedules: [], timers: new ManualTimers(), now: () => 0, onError: (p, e) => errors.push(`${p}: ${(e as Error).message}`) });
  await sampler.tick(provider);
  t.same(errors, ['broken: bus error']);
  t.equal(journal.lastPosition(), 0, 'nothing was journaled, no made-up values');
});
