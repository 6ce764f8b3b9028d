import t from 'tap';
import { httpNode } from './helpers/http-node.js';

// /api/readings/history over a range older than the minute window (sensors.minuteRetentionDays,
// 30 days by default) answers from hour buckets and says so in `resolution` (issue 11, item 3).

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

t.test('history of 60 days ago asked in minutes answers in hours; the last hour stays in minutes', async (t) => {
  let now = T0;
  const { app, sample } = await httpNode(t, {}, { now: () => now });
  for (const v of [10, 20, 30]) {
    await sample({ 'test.temp': v });
    now += 10 * MIN;
  }
  now = T0 + 60 * DAY;
  for (const v of [40, 50]) {
    await sample({ 'test.temp': v });
    now += MIN;
  }
  const old = await app.inject(`/api/readings/history?source=test.temp&from=${T0}&to=${T0 + 2 * HOUR}&resolution=minute`);
  t.equal(old.statusCode, 200);
  const body = old.json() as { resolution: string; points: Array<{ start: number; count: number; min: number; max: number }> };
  t.equal(body.resolution, 'hour');
  t.same(body.points.map((p) => [p.start, p.count, p.min, p.max]), [[T0, 3, 10, 30]]);
  const recent = await app.inject(`/api/readings/history?source=test.temp&from=${T0 + 60 * DAY - HOUR}&to=${now}&resolution=minute`);
  const r = recent.json() as { resolution: string; points: Array<{ count: number }> };
  t.equal(r.resolution, 'minute');
  t.equal(r.points.reduce((s, p) => s + p.count, 0), 2);
});
