import t from 'tap';
import {
  DEFAULT_MEMORY_THRESHOLDS,
  INITIAL_LEVEL_STATE,
  MemoryPressureMonitor,
  nextLevel,
  signalsOf,
  type LevelState,
  type MemoryLevel,
  type MemorySample,
  type MemorySignals,
} from '../core/runtime/memory-pressure.js';
import { RecentRing } from '../core/journal/recent-ring.js';

const MIB = 1024 * 1024;
const BUDGET = 256 * MIB;

/** The levels a sequence of signals goes through, from normal. */
function levels(signals: readonly MemorySignals[]): MemoryLevel[] {
  let state: LevelState = INITIAL_LEVEL_STATE;
  return signals.map((s) => (state = nextLevel(state, s)).level);
}

t.test('RSS against the budget: 75 % elevated, 90 % high, 100 % critical; going up is immediate', async (t) => {
  t.same(levels([{ rss: 0.5 }]), ['normal']);
  t.same(levels([{ rss: 0.75 }]), ['elevated']);
  t.same(levels([{ rss: 0.9 }]), ['high']);
  t.same(levels([{ rss: 1.2 }]), ['critical']);
  t.same(levels([{ rss: 0.1 }, { rss: 1.0 }]), ['normal', 'critical'], 'straight from normal to critical in one sample');
});

t.test('going down waits for three calmer samples, and for the signal to be past the margin', async (t) => {
  t.same(levels([{ rss: 0.95 }, { rss: 0.5 }, { rss: 0.5 }, { rss: 0.5 }]), ['high', 'high', 'high', 'normal']);
  // 0.85 is under high's 0.9 but within its 10-point margin: high holds, however long it lasts.
  t.same(levels([{ rss: 0.95 }, ...Array.from({ length: 10 }, () => ({ rss: 0.85 }))]).at(-1), 'high');
  // 0.79 leaves high (below 0.8) but holds elevated (above 0.65).
  t.same(levels([{ rss: 0.95 }, { rss: 0.79 }, { rss: 0.79 }, { rss: 0.79 }]).at(-1), 'elevated');
  t.same(levels([{ rss: 0.95 }, { rss: 0.5 }, { rss: 0.95 }, { rss: 0.5 }, { rss: 0.5 }]), ['high', 'high', 'high', 'high', 'high'], 'a bad sample in between starts the count again');
});

t.test('a signal hovering on a threshold does not flap', async (t) => {
  const hovering = Array.from({ length: 40 }, (_, i) => ({ rss: i % 2 === 0 ? 0.905 : 0.895 }));
  const seen = levels(hovering);
  const changes = seen.filter((l, i) => i > 0 && l !== seen[i - 1]).length;
  t.equal(seen[0], 'high');
  t.equal(changes, 0, 'it went high once and stayed there');
});

t.test('the worst signal decides: heap, available memory and PSI', async (t) => {
  t.same(levels([{ rss: 0.1, heap: 0.92 }]), ['high'], 'heap near its limit');
  t.same(levels([{ rss: 0.1, available: 0.12 }]), ['elevated'], 'little available on the machine (lower is worse)');
  t.same(levels([{ rss: 0.1, available: 0.04 }]), ['critical']);
  t.same(levels([{ psiSome: 30 }]), ['high'], 'tasks stalled on memory 30 % of the last 10 s');
  t.same(levels([{ psiFull: 30 }]), ['critical'], 'every task stalled: thrashing');
  t.same(levels([{ available: 0.04 }, { available: 0.07 }, { available: 0.07 }, { available: 0.07 }]).at(-1), 'critical', 'available must rise past 5 % + 3 points to leave critical');
  t.same(levels([{ available: 0.04 }, { available: 0.2 }, { available: 0.2 }, { available: 0.2 }]).at(-1), 'normal');
});

t.test('absent or non-finite signals count for nothing (a missing PSI file is not 0 % pressure, and not 100 %)', async (t) => {
  t.same(levels([{}]), ['normal']);
  t.same(levels([{ rss: Number.NaN, psiSome: Number.POSITIVE_INFINITY }]), ['normal']);
  const signals = signalsOf({ rssBytes: 128 * MIB, memTotalBytes: 0, heapUsedBytes: 10, heapLimitBytes: 0 } satisfies MemorySample, BUDGET);
  t.same(signals, { rss: 0.5 }, 'a zero total or limit gives no ratio');
});

t.test('RSS counts only for a process whose V8 heap limit fits the budget (started with a fitting --max-old-space-size)', async (t) => {
  const capped = signalsOf({ rssBytes: 250 * MIB, heapUsedBytes: 100 * MIB, heapLimitBytes: 208 * MIB }, BUDGET);
  t.same(capped, { rss: 250 / 256, heap: 100 / 208 });
  t.same(levels([capped]), ['high']);
  const uncapped = signalsOf({ rssBytes: 400 * MIB, heapUsedBytes: 100 * MIB, heapLimitBytes: 4144 * MIB }, BUDGET);
  t.same(Object.keys(uncapped), ['heap'], 'a tsx or test-runner process: its RSS says nothing about the node');
  t.same(levels([uncapped]), ['normal']);
  t.same(levels([signalsOf({ rssBytes: 400 * MIB, heapLimitBytes: 4144 * MIB, memAvailableBytes: 40 * MIB, memTotalBytes: 2048 * MIB }, BUDGET)]), ['critical'], 'the machine still counts');
});

t.test('the monitor tells listeners once per change, with the previous level, and keeps calling the others when one throws', async (t) => {
  let clock = 1000;
  const errors: unknown[] = [];
  const monitor = new MemoryPressureMonitor(BUDGET, { now: () => clock, onListenerError: (e) => errors.push(e) });
  const seen: string[] = [];
  monitor.onChange(() => {
    throw new Error('listener bug');
  });
  const off = monitor.onChange((level, previous) => seen.push(`${previous}→${level}`));
  const rss = (mb: number) => ({ rssBytes: mb * MIB });
  clock = 2000;
  t.equal(monitor.update(rss(240)), 'high');
  t.equal(monitor.paused(), true, 'bulk work waits while high');
  t.equal(monitor.update(rss(241)), undefined, 'the same level again is no change');
  for (let i = 0; i < 3; i++) monitor.update(rss(10));
  t.same(seen, ['normal→high', 'high→normal']);
  t.equal(errors.length, 2, 'the throwing listener was reported for each change');
  t.equal(monitor.paused(), false);
  t.same(monitor.status(), { level: 'normal', sinceMs: 2000, budgetBytes: BUDGET, sample: rss(10) });
  off();
  monitor.update(rss(300));
  t.same(seen, ['normal→high', 'high→normal'], 'an unsubscribed listener hears nothing more');
  t.equal(monitor.level(), 'critical');
});

t.test('the default thresholds are ordered the way their direction says', async (t) => {
  for (const [name, s] of Object.entries(DEFAULT_MEMORY_THRESHOLDS)) {
    if (typeof s === 'number') continue;
    const [e, h, c] = s.enter;
    t.ok(s.rising ? e < h && h < c : e > h && h > c, `${name}: elevated, high, critical in order`);
    t.ok(s.margin > 0, `${name} has a margin`);
  }
});

t.test('the recent-events ring gives memory back when resized down, and refuses a size that is not a positive integer', async (t) => {
  const ring = new RecentRing(100);
  ring.add(1, Array.from({ length: 150 }, () => Buffer.from('x')));
  t.equal(ring.capacity, 100);
  ring.resize(10);
  t.equal(ring.capacity, 10);
  t.equal(ring.slice(141, 150)?.length, 10, 'the newest 10 positions are held');
  t.equal(ring.slice(140, 150), undefined, 'older ones are not (subscribers read them from disk)');
  t.equal(ring.lastPosition, 150);
  ring.resize(4096);
  ring.add(151, [Buffer.from('y')]);
  t.equal(ring.slice(141, 151)?.length, 11, 'growing again keeps what is there and adds on');
  t.throws(() => ring.resize(0), TypeError);
  t.throws(() => ring.resize(1.5), TypeError);
});
