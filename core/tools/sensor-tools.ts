import { z } from 'zod';
import { ErrorCodes, SmolError } from '../errors.js';
import { defineTool } from './tool.js';
import type { SensorAccess } from './ports.js';

const HOUR = 3_600_000;
const node = z.string().optional().describe('node id or name (default: this node)');

/** read_source, list_sources, get_reading_history. */
export function sensorTools(sensors: SensorAccess, now: () => number = Date.now) {
  const origin = (n: string | undefined): string => {
    if (n === undefined) return sensors.nodeId;
    const o = sensors.resolveNode(n);
    if (!o) throw new SmolError(ErrorCodes.NOT_FOUND, `no node "${n}"`);
    return o;
  };
  return [
    defineTool({
      name: 'list_sources',
      description: 'List the sensor sources of a node with their latest value, unit, label and device class; binary sources read 1 (on/open/detected) or 0.',
      parameters: z.object({ node }).strict(),
      async execute({ node: n }) {
        return { sources: await sensors.list(origin(n)) };
      },
    }),
    defineTool({
      name: 'read_source',
      description: 'Read the latest value of one source, e.g. system.cpu_temp.',
      parameters: z.object({ source: z.string().min(1).describe('source id, e.g. system.cpu_temp'), node }).strict(),
      async execute({ source, node: n }) {
        const o = origin(n);
        const row = await sensors.latest(o, source);
        if (!row) {
          const all = await sensors.list(o);
          // A registered source without a value exists: saying "no source" would send the model looking elsewhere.
          const registered = all.find((s) => s.source === source);
          if (registered) {
            throw new SmolError(ErrorCodes.SENSOR_NO_READING, `source "${source}"${registered.label ? ` (${registered.label})` : ''} exists but has no reading yet; it may not be readable on this machine`, { details: { source } });
          }
          throw new SmolError(ErrorCodes.NOT_FOUND, `no source "${source}"; known: ${all.map((s) => s.source).join(', ') || 'none'}`);
        }
        return row;
      },
    }),
    defineTool({
      name: 'get_reading_history',
      description: 'Min, max and mean of a source over the last N minutes, with per-minute (up to 3 h) or hourly points.',
      parameters: z
        .object({
          source: z.string().min(1),
          minutes: z.number().int().min(1).max(60 * 24 * 30).default(60).describe('how far back (default 60)'),
          node,
        })
        .strict(),
      async execute({ source, minutes, node: n }) {
        const to = now();
        const from = to - minutes * 60_000;
        const resolution = minutes * 60_000 > 3 * HOUR ? 'hour' : 'minute';
        const res = await sensors.history({ origin: origin(n), source, from, to: to + 1, resolution });
        // The model needs the shape, not hundreds of rows: keep the summary and at most 60 points.
        const step = Math.ceil(res.points.length / 60);
        return { ...res, points: step > 1 ? res.points.filter((_, i) => i % step === 0) : res.points };
      },
    }),
  ];
}
