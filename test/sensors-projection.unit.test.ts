import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId } from '../core/events/event.js';
import type { SmolEvent } from '../core/events/event.js';
import type { ProjectionCheckpoint, ProjectionStore, RecordQuery } from '../core/projection/projection.js';
import { latestReadings, readingHistory, sensorsProjection, sourceList } from '../projections/sensors.js';
import type { SensorsState } from '../projections/sensors.js';

const HOUR0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MIN = 60_000;
/** Wall ms at `minute`:`second` after 10:00. */
const at = (minute: number, second = 0): number => HOUR0 + minute * MIN + second * 1000;
const pad = (ms: number): string => String(ms).padStart(13, '0');

function ev(origin: string, seq: number, ms: number, type: string, data: unknown, v = 1): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type, v, data, prev: GENESIS_PREV };
}

/** A projection driven in memory: state plus the records it emitted, and a store over them. */
function harness() {
  let state: SensorsState = sensorsProjection.initial();
  const records = new Map<string, unknown>();
  const seqs = new Map<string, number>();
  const emit = (key: string, value: unknown): void => {
    if (value === undefined) records.delete(key);
    else records.set(key, structuredClone(value)); // as a real store would: a snapshot at write time
  };
  const next = (origin: string): number => {
    const seq = (seqs.get(origin) ?? 0) + 1;
    seqs.set(origin, seq);
    return seq;
  };
  const store: ProjectionStore = {
    load: async (): Promise<ProjectionCheckpoint | undefined> => undefined,
    commit: async () => {},
    getRecord: async (key) => records.get(key),
    clear: async () => records.clear(),
    async *records(q: RecordQuery) {
      let keys = [...records.keys()].sort().filter(
        (k) => (q.gte === undefined || k >= q.gte) && (q.lt === undefined || k < q.lt) && (q.lte === undefined || k <= q.lte),
      );
      if (q.reverse) keys = keys.reverse();
      if (q.limit !== undefined) keys = keys.slice(0, q.limit);
      for (const k of keys) yield [k, records.get(k)] as [string, unknown];
    },
  };
  return {
    records,
    store,
    get state() {
      return state;
    },
    tick(origin: string, ms: number, values: Record<string, number>) {
      state = sensorsProjection.apply(state, ev(origin, next(origin), ms, 'reading.sampled', { values }), emit);
    },
    register(origin: string, data: Record<string, unknown>) {
      state = sensorsProjection.apply(state, ev(origin, next(origin), HOUR0, 'source.registered', data), emit);
    },
    raw(event: SmolEvent) {
      state = sensorsProjection.apply(state, event, emit);
    },
    history(origin: string, source: string, resolution: 'minute' | 'hour', from?: number, to?: number) {
      return readingHistory(state, store, { origin, source, resolution, from, to });
    },
  };
}

t.test('given two ticks of one origin, latest readings show the second value of each source', async (t) => {
  const h = harness();
  h.tick('A', at(0, 1), { cpu: 40, load: 0.5 });
  h.tick('A', at(0, 11), { cpu: 42, load: 0.7 });
  h.tick('B', at(0, 5), { cpu: 60 });
  t.same(
    latestReadings(h.state).map((r) => [r.origin, r.source, r.value, r.at]),
    [['A', 'cpu', 42, at(0, 11)], ['A', 'load', 0.7, at(0, 11)], ['B', 'cpu', 60, at(0, 5)]],
  );
  t.same(latestReadings(h.state, { origin: 'B' }).map((r) => [r.source, r.value]), [['cpu', 60]]);
  t.same(latestReadings(h.state, { origin: 'nobody' }), []);
});

t.test('given three readings in one minute, the minute shows their min, max, mean and count', async (t) => {
  const h = harness();
  h.tick('A', at(3, 0), { cpu: 40 });
  h.tick('A', at(3, 20), { cpu: 50 });
  h.tick('A', at(3, 40), { cpu: 45 });
  t.same(await h.history('A', 'cpu', 'minute'), [{ start: at(3), min: 40, max: 50, mean: 45, count: 3 }]);
  t.equal(h.records.size, 0, 'the open minute is state, not yet a record');
});

t.test('when a reading of the next minute arrives, the open minute closes into a record', async (t) => {
  const h = harness();
  h.tick('A', at(0, 10), { cpu: 40 });
  h.tick('A', at(0, 50), { cpu: 44 });
  h.tick('A', at(1, 5), { cpu: 48 });
  t.same(h.records.get(`m/A/cpu/${pad(at(0))}`), { start: at(0), min: 40, max: 44, sum: 84, count: 2 });
  t.same([...h.records.keys()], [`m/A/cpu/${pad(at(0))}`], 'the hour is still open');
  t.equal(h.state.origins.A?.cpu?.minute?.start, at(1));
});

t.test('given readings across two hours, the first hour closes into an h/ record with every reading of it', async (t) => {
  const h = harness();
  h.tick('A', at(0, 0), { cpu: 10 });
  h.tick('A', at(30, 0), { cpu: 30 });
  h.tick('A', at(59, 59), { cpu: 20 });
  h.tick('A', at(60, 1), { cpu: 100 });
  t.same(h.records.get(`h/A/cpu/${pad(HOUR0)}`), { start: HOUR0, min: 10, max: 30, sum: 60, count: 3 });
  t.same(await h.history('A', 'cpu', 'hour'), [
    { start: HOUR0, min: 10, max: 30, mean: 20, count: 3 },
    { start: at(60), min: 100, max: 100, mean: 100, count: 1 },
  ]);
});

t.test('history merges closed records and the open bucket in time order, within [from, to)', async (t) => {
  const h = harness();
  for (let m = 0; m < 5; m++) h.tick('A', at(m, 30), { cpu: m });
  const all = await h.history('A', 'cpu', 'minute');
  t.same(all.map((p) => [p.start, p.mean]), [0, 1, 2, 3, 4].map((m) => [at(m), m]));
  const some = await h.history('A', 'cpu', 'minute', at(1, 30), at(4));
  t.same(some.map((p) => p.start), [at(1), at(2), at(3)], 'from rounds down to its minute; to is exclusive');
  const tail = await h.history('A', 'cpu', 'minute', at(4));
  t.same(tail.map((p) => p.start), [at(4)], 'the open minute alone');
});

t.test('given a late reading for a closed minute, it is kept as a partial record and merged into that minute', async (t) => {
  const h = harness();
  h.tick('A', at(0, 10), { cpu: 40 });
  h.tick('A', at(1, 10), { cpu: 50 });
  h.tick('A', at(2, 10), { cpu: 60 });
  h.tick('A', at(0, 20), { cpu: 10 }); // seq 4, back in minute 0
  const closed = `m/A/cpu/${pad(at(0))}`;
  t.same(h.records.get(closed), { start: at(0), min: 40, max: 40, sum: 40, count: 1 }, 'the closed record is untouched');
  t.same(h.records.get(`${closed}/4`), { start: at(0), min: 10, max: 10, sum: 10, count: 1 });
  t.same((await h.history('A', 'cpu', 'minute')).map((p) => [p.start, p.min, p.max, p.mean, p.count]), [
    [at(0), 10, 40, 25, 2],
    [at(1), 50, 50, 50, 1],
    [at(2), 60, 60, 60, 1],
  ]);
  t.same(latestReadings(h.state).map((r) => [r.value, r.at]), [[60, at(2, 10)]], 'the late value is not the latest');
  t.equal(sourceList(h.state)[0]?.count, 4, 'but it is counted');
});

t.test('given a source absent from a tick, it keeps its earlier value and gets no new reading', async (t) => {
  const h = harness();
  h.tick('A', at(0, 0), { cpu: 40, disk: 0.3 });
  h.tick('A', at(0, 10), { cpu: 41 });
  h.tick('A', at(1, 0), { cpu: 42 });
  const disk = latestReadings(h.state).find((r) => r.source === 'disk');
  t.same([disk?.value, disk?.at], [0.3, at(0, 0)]);
  t.same((await h.history('A', 'disk', 'minute')).map((p) => p.count), [1]);
  t.equal(sourceList(h.state).find((s) => s.source === 'disk')?.count, 1);
});

t.test('given source.registered, readings carry its unit, label and simulated flag', async (t) => {
  const h = harness();
  h.register('A', { source: 'gpio.17', provider: 'gpio', unit: 'state', label: 'Relay', simulated: true });
  h.register('A', { source: 'cpu', provider: 'system', unit: '°C', simulated: false });
  h.register('A', { source: 'fan', provider: 'gpio', simulated: false });
  h.tick('A', at(0), { 'gpio.17': 1, cpu: 50 });
  t.same(latestReadings(h.state).map((r) => [r.source, r.unit, r.label, r.simulated]), [
    ['cpu', '°C', null, false],
    ['gpio.17', 'state', 'Relay', true],
  ]);
  t.same(sourceList(h.state).map((s) => [s.source, s.provider, s.count]), [
    ['cpu', 'system', 1],
    ['fan', 'gpio', 0],
    ['gpio.17', 'gpio', 1],
  ], 'a registered source that was never read is listed but has no latest reading');
});

t.test('given two origins with the same source, their values and rollups are kept apart', async (t) => {
  const h = harness();
  h.tick('A', at(0, 0), { cpu: 40 });
  h.tick('B', at(0, 5), { cpu: 70 });
  h.tick('A', at(1, 0), { cpu: 41 });
  h.tick('B', at(1, 5), { cpu: 71 });
  t.same((await h.history('A', 'cpu', 'minute')).map((p) => p.mean), [40, 41]);
  t.same((await h.history('B', 'cpu', 'minute')).map((p) => p.mean), [70, 71]);
  t.same([...h.records.keys()].sort(), [`m/A/cpu/${pad(at(0))}`, `m/B/cpu/${pad(at(0))}`]);
});

t.test('given sources whose names contain "/", one source\'s history never holds another\'s buckets', async (t) => {
  const h = harness();
  h.tick('A', at(0), { 'zigbee/kitchen': 20, 'zigbee/kitchen/temp': 99 });
  h.tick('A', at(1), { 'zigbee/kitchen': 21, 'zigbee/kitchen/temp': 98 });
  t.same((await h.history('A', 'zigbee/kitchen', 'minute')).map((p) => p.mean), [20, 21]);
  t.same((await h.history('A', 'zigbee/kitchen/temp', 'minute')).map((p) => p.mean), [99, 98]);
});

t.test('given a source named "__proto__", it is an ordinary source', async (t) => {
  const h = harness();
  h.raw(ev('A', 1, at(0), 'reading.sampled', { values: JSON.parse('{"__proto__": 5}') }));
  t.same(latestReadings(h.state).map((r) => [r.source, r.value]), [['__proto__', 5]]);
  t.equal(Object.getPrototypeOf(h.state.origins.A), Object.prototype);
});

t.test('given a reading.sampled of a newer version, it is ignored', async (t) => {
  const h = harness();
  h.raw(ev('A', 1, at(0), 'reading.sampled', { samples: [{ cpu: 1 }] }, 2));
  t.same(latestReadings(h.state), []);
});

t.test('given a state that went through a JSON checkpoint, apply carries on from it', async (t) => {
  const h = harness();
  h.tick('A', at(0, 0), { cpu: 40 });
  const restored = JSON.parse(JSON.stringify(h.state)) as SensorsState;
  const emitted: string[] = [];
  sensorsProjection.apply(restored, ev('A', 2, at(1), 'reading.sampled', { values: { cpu: 41 } }), (k) => emitted.push(k));
  t.same(emitted, [`m/A/cpu/${pad(at(0))}`]);
  t.equal(restored.origins.A?.cpu?.value, 41);
});
