import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { Sampler } from '../core/runtime/sampler.js';
import { SamplingPriority } from '../core/runtime/sampling-priority.js';
import type { SensorProvider } from '../core/sensors/sensor-port.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

/** A provider whose samples resolve only when the test releases them. */
function heldProvider() {
  const pending: Array<(v: Record<string, number>) => void> = [];
  const provider: SensorProvider = { name: 'p', sources: () => [], sample: () => new Promise((resolve) => pending.push(resolve)) };
  return { provider, pending, release: (v: Record<string, number>) => pending.shift()?.(v) };
}

async function world(t: Test) {
  const journal = await openMemoryJournal();
  let now = 1_000_000;
  const timers = new ManualTimers();
  const priority = new SamplingPriority({ now: () => now, leadMs: 10, maxTickMs: 1000, maxLateMs: 250 });
  const held = heldProvider();
  const sampler = new Sampler({ journal, schedules: [{ provider: held.provider, intervalMs: 100 }], timers, now: () => now, priority });
  t.teardown(async () => {
    while (held.pending.length > 0) held.release({});
    await sampler.stop();
    await journal.close();
  });
  return { journal, timers, priority, held, sampler, advance: (ms: number) => void (now += ms) };
}

/** Whether a promise has settled, after the microtasks that could settle it have run. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

t.test('requests wait while a tick runs, and go on once its reading is journaled', async (t) => {
  const { journal, priority, held, sampler } = await world(t);
  sampler.start(); // the first tick runs at start
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the first sample to be asked for' });
  const wait = priority.whenIdle();
  t.ok(wait, 'a request arriving during the tick waits');
  held.release({ 'p.x': 1 });
  await wait;
  t.equal(journal.lastPosition(), 1, 'the reading was journaled before the request went on');
  t.equal(priority.whenIdle(), undefined, 'between ticks requests go ahead at once');
});

t.test('requests wait from just before a tick is due until it has run', async (t) => {
  const { journal, timers, priority, held, sampler, advance } = await world(t);
  sampler.start();
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the first sample' });
  held.release({ 'p.x': 1 });
  await waitFor(() => priority.whenIdle() === undefined, { timeoutMs: 2000, message: 'the first tick to end' });
  advance(80);
  t.equal(priority.whenIdle(), undefined, '20 ms before the tick, requests go ahead');
  advance(15);
  const wait = priority.whenIdle()!;
  t.ok(wait, '5 ms before the tick is due, a request waits for it');
  advance(30);
  t.notOk(await settled(wait), 'a late timer: the request still waits for the tick');
  timers.fire(100);
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the second sample' });
  t.notOk(await settled(wait), 'the tick is sampling');
  held.release({ 'p.x': 2 });
  await wait;
  t.equal(journal.lastPosition(), 2);
});

t.test('a timer that never fires holds requests back for at most maxLateMs', async (t) => {
  const { priority, held, sampler, advance } = await world(t);
  sampler.start();
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the first sample' });
  held.release({ 'p.x': 1 });
  await waitFor(() => priority.whenIdle() === undefined, { timeoutMs: 2000, message: 'the first tick to end' });
  advance(100 + 250);
  t.ok(priority.whenIdle(), '250 ms overdue, requests still wait');
  advance(1);
  t.equal(priority.whenIdle(), undefined, 'past that, they go ahead');
});

t.test('a hung provider holds requests back for at most maxTickMs', async (t) => {
  const { priority, held, sampler, advance } = await world(t);
  sampler.start();
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the first sample' });
  t.ok(priority.whenIdle());
  advance(1001);
  t.equal(priority.whenIdle(), undefined, 'past maxTickMs the tick no longer counts');
});

t.test('a stopped sampler holds nothing back', async (t) => {
  const { priority, held, sampler, advance } = await world(t);
  sampler.start();
  await waitFor(() => held.pending.length === 1, { timeoutMs: 2000, message: 'the first sample' });
  const wait = priority.whenIdle()!;
  held.release({ 'p.x': 1 });
  await sampler.stop();
  await wait;
  advance(100);
  t.equal(priority.whenIdle(), undefined, 'no tick is due after stop');
});
