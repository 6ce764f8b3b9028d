import { z } from 'zod';
import { latestReadings, sensorHistory, sourceList, type SensorsState } from '../../../projections/sensors.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';
import { parseInput } from '../validate.js';
import { queryInt } from './query.js';

const HOUR = 3_600_000;
/** Named history ranges the dashboard offers, with the resolution that gives a readable chart. */
const RANGES = { '1h': { ms: HOUR, resolution: 'minute' }, '24h': { ms: 24 * HOUR, resolution: 'minute' }, '7d': { ms: 7 * 24 * HOUR, resolution: 'hour' } } as const;

const LatestQuery = z.object({ origin: z.string().min(1).max(200).optional() }).strict();
const HistoryQuery = z
  .object({
    source: z.string().min(1).max(200),
    origin: z.string().min(1).max(200).optional(),
    range: z.enum(['1h', '24h', '7d']).optional(),
    from: queryInt(0, 2 ** 48).optional(),
    to: queryInt(0, 2 ** 48).optional(),
    resolution: z.enum(['minute', 'hour']).optional(),
  })
  .strict()
  .refine((q) => q.range === undefined || (q.from === undefined && q.to === undefined), { message: 'give either range or from/to, not both' })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['from'] });

/** Latest readings, the source list and history (minute/hour buckets with min/max/mean). */
export const apiReadingsRoutes: RouteGroup = async (app, { deps }) => {
  const { journal, node } = deps;
  const now = deps.now ?? Date.now;
  app.addHook('onRequest', requireScope('read'));
  const sensors = () => node.runner<SensorsState>('sensors');

  app.get('/api/readings/latest', async (request) => {
    const q = parseInput(LatestQuery, request.query, 'query');
    return { readings: latestReadings(sensors().state, q.origin === undefined ? {} : { origin: q.origin }) };
  });

  app.get('/api/readings/sources', async () => ({ sources: sourceList(sensors().state) }));

  app.get('/api/readings/history', async (request) => {
    const q = parseInput(HistoryQuery, request.query, 'query');
    const range = RANGES[q.range ?? '1h'];
    const to = q.to ?? now();
    const from = q.from ?? to - range.ms;
    const resolution = q.resolution ?? (q.range || q.from === undefined ? range.resolution : to - from > 2 * 24 * HOUR ? 'hour' : 'minute');
    const origin = q.origin ?? journal.nodeId;
    const runner = sensors();
    // A range reaching before the minute window (sensors.minuteRetentionDays) is answered in hours, and says so.
    const answer = await sensorHistory(runner.state, runner.store, { origin, source: q.source, from, to, resolution });
    return { origin, source: q.source, from, to, resolution: answer.resolution, points: answer.points };
  });
};
