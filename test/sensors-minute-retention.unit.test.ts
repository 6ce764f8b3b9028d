import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId, type SmolEvent } from '../core/events/event.js';
import type { ProjectionStore, RecordQuery } from '../core/projection/projection.js';
import { createSensorsProjection, minuteWindowStart, readingHistory, sensorHistory, type SensorsState } from '../projections/sensors.js';
import { sensorsSection } from '../adapters/config/sections/sensors.js';

// Minute rollups are short-term statistics, kept sensors.minuteRetentionDays in the readings' own
// time; hour rollups are long-term statistics, kept for ever (issue 11, item 3).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

function reading(origin: string, seq: number, ms: number, values: Record<string, number>): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type: 'reading.sampled', v: 1, data: { values }, prev: GENESIS_PREV };
}

/** The projection driven in memory, with a store over the records it emitted (deletes delete). */
function harness(minuteRetentionDays?: number) {
  const p = createSensorsProjection(minuteRetentionDays === undefined ? {} : { minuteRetentionDays });
  let state: SensorsState = p.initial();
  const records = new Map<string, unknown>();
  const deletes: string[] = [];
  const seqs = new Map<string, number>();
  const emit = (key: string, value: unknown): void => {
    if (value === undefined) {
      deletes.push(key);
      records.delete(key);
    } else records.set(key, structuredClone(value));
  };
  const store: Pick<ProjectionStore, 'records'> = {
    async *records(q: RecordQuery) {
      for (const k of [...records.keys()].sort()) {
        if ((q.gte === undefined || k >= q.gte) && (q.lt === undefined || k < q.lt)) yield [k, records.get(k)] as [string, unknown];
      }
    },
  };
  return {
    records,
    deletes,
    store,
    get state() {
      return state;
    },
    /** One reading every `stepMs` from `from` (inclusive) to `to` (exclusive). */
    read(origin: string, from: number, to: number, stepMs: number, values: Record<string, number>) {
      for (let ms = from; ms < to; ms += stepMs) {
        const seq = (seqs.get(origin) ?? 0) + 1;
        seqs.set(origin, seq);
        state = p.apply(state, reading(origin, seq, ms, values), emit);
      }
    },
    keys: (prefix: string) => [...records.keys()].filter((k) => k.startsWith(prefix)).sort(),
  };
}

t.test('given two hours of readings, when the origin reads 31 days later, then those minute buckets are deleted and their hour buckets stay', async (t) => {
  const h = harness(30);
  h.read('A', T0, T0 + 2 * HOUR, 10_000, { cpu: 40 });
  t.equal(h.keys('m/A/cpu/').length, 119, 'every closed minute is a record (the last one is open)');
  h.read('A', T0 + 31 * DAY, T0 + 31 * DAY + 2 * MIN, 10_000, { cpu: 50 });
  t.same(h.keys('m/A/cpu/').map((k) => Number(k.slice(-13))), [T0 + 31 * DAY], 'only the new closed minute is left');
  t.same(h.keys('h/A/cpu/').map((k) => Number(k.slice(-13))), [T0, T0 + HOUR], 'the old hours stay');
  t.equal(h.deletes.filter((k) => k.startsWith('m/A/cpu/')).length, 119, 'each old minute deleted once, by key');
  t.equal(minuteWindowStart(h.state, 'A'), T0 + 31 * DAY + MIN - 30 * DAY);
});

t.test('as readings go on, minute buckets age out one by one and never more than the window is kept', async (t) => {
  const h = harness(1);
  h.read('A', T0, T0 + 3 * DAY, MIN, { cpu: 1 });
  const starts = h.keys('m/A/cpu/').map((k) => Number(k.slice(-13)));
  const newest = T0 + 3 * DAY - MIN;
  t.equal(starts[0], newest - DAY, 'the oldest kept minute is one day before the newest');
  t.equal(starts.length, 24 * 60, 'one day of closed minutes');
  t.equal(h.keys('h/A/cpu/').length, 3 * 24 - 1, 'every closed hour of the three days is kept');
});

t.test('retention runs in each origin\'s own time: a peer with a clock years ahead deletes none of ours', async (t) => {
  const h = harness(30);
  h.read('A', T0, T0 + 10 * MIN, MIN, { cpu: 1 });
  h.read('B', T0 + 3650 * DAY, T0 + 3650 * DAY + 10 * MIN, MIN, { cpu: 1 });
  t.equal(h.keys('m/A/cpu/').length, 9, "A's minutes are all there");
  t.equal(minuteWindowStart(h.state, 'A'), null, 'nothing of A has aged out');
});

t.test('a source that stopped reporting ages out with its origin\'s other readings, its open minute too', async (t) => {
  const h = harness(30);
  h.read('A', T0, T0 + 5 * MIN, MIN, { gone: 1, cpu: 1 });
  h.read('A', T0 + 40 * DAY, T0 + 40 * DAY + 2 * MIN, MIN, { cpu: 2 });
  t.same(h.keys('m/A/gone/'), []);
  t.equal(h.state.origins.A?.gone?.minute, null);
  t.ok(h.keys('h/A/gone/').length + (h.state.origins.A?.gone?.hour ? 1 : 0) >= 1, 'its hour is still known');
});

t.test('history 60 days ago answers from hour buckets and says so; within the window it stays in minutes', async (t) => {
  const h = harness(30);
  const old = T0;
  h.read('A', old, old + 3 * HOUR, 30_000, { cpu: 20 });
  const now = old + 60 * DAY;
  h.read('A', now - 2 * HOUR, now, 30_000, { cpu: 30 });
  const past = await sensorHistory(h.state, h.store, { origin: 'A', source: 'cpu', from: old, to: old + 3 * HOUR, resolution: 'minute' });
  t.equal(past.resolution, 'hour');
  t.same(past.points.map((p) => [p.start, p.count, p.mean]), [[old, 120, 20], [old + HOUR, 120, 20], [old + 2 * HOUR, 120, 20]]);
  const recent = await sensorHistory(h.state, h.store, { origin: 'A', source: 'cpu', from: now - HOUR, to: now, resolution: 'minute' });
  t.equal(recent.resolution, 'minute');
  t.equal(recent.points.length, 60);
  const points = await readingHistory(h.state, h.store, { origin: 'A', source: 'cpu', from: old, to: old + HOUR, resolution: 'minute' });
  t.same(points.map((p) => p.start), [old], 'readingHistory gives the same hour points');
});

t.test('before anything has aged out, a minute query with no lower bound stays in minutes', async (t) => {
  const h = harness();
  h.read('A', T0, T0 + 5 * MIN, MIN, { cpu: 1 });
  const answer = await sensorHistory(h.state, h.store, { origin: 'A', source: 'cpu', resolution: 'minute' });
  t.equal(answer.resolution, 'minute');
  t.equal(answer.points.length, 5);
});

t.test('replaying the same readings deletes and keeps exactly the same records', async (t) => {
  const a = harness(2);
  const b = harness(2);
  for (const h of [a, b]) h.read('A', T0, T0 + 5 * DAY, 7 * MIN, { cpu: 3 });
  t.same([...a.records.keys()].sort(), [...b.records.keys()].sort());
  t.same(a.state, b.state);
});

t.test('a retention that is not a positive number is a programmer error, and config refuses it with a path', async (t) => {
  t.throws(() => createSensorsProjection({ minuteRetentionDays: 0 }), TypeError);
  t.throws(() => createSensorsProjection({ minuteRetentionDays: Number.NaN }), TypeError);
  t.equal(sensorsSection.parse({}).minuteRetentionDays, 30, 'the default is 30 days');
  const bad = sensorsSection.safeParse({ minuteRetentionDays: 0 });
  t.equal(bad.success, false);
  t.same(bad.error?.issues[0]?.path, ['minuteRetentionDays']);
});
