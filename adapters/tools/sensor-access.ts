import type { HistoryResult, SensorAccess, SourceRow } from '../../core/tools/ports.js';
import { latestReadings, sensorHistory, sourceList, type SensorsState } from '../../projections/sensors.js';
import { listNodes, type NodesState } from '../../projections/nodes.js';
import { settled, type NodeViews } from './node-views.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Sensor reads for the tools, from the sensors and nodes projections. */
export function sensorAccess(node: NodeViews): SensorAccess {
  const nodes = () => listNodes(node.runner<NodesState>('nodes').state);
  return {
    nodeId: node.journal.nodeId,
    resolveNode(n) {
      const all = nodes();
      return all.find((x) => x.origin === n)?.origin ?? all.find((x) => x.name === n)?.origin ?? (n === node.journal.nodeId ? n : undefined);
    },
    async list(origin) {
      const sensors = node.runner<SensorsState>('sensors');
      await sensors.caughtUp();
      const latest = new Map(latestReadings(sensors.state, origin === undefined ? {} : { origin }).map((r) => [`${r.origin}/${r.source}`, r]));
      return sourceList(sensors.state)
        .filter((s) => origin === undefined || s.origin === origin)
        .map((s): SourceRow => {
          const l = latest.get(`${s.origin}/${s.source}`);
          return {
            origin: s.origin, source: s.source, unit: s.unit, label: s.label, simulated: s.simulated,
            // Only what is known, so the model's tool output stays short for plain sources.
            ...(s.deviceClass ? { deviceClass: s.deviceClass } : {}),
            ...(s.device ? { device: s.device } : {}),
            ...(s.binary ? { binary: true } : {}),
            value: l?.value ?? null, at: iso(l?.at ?? null),
          };
        });
    },
    async latest(origin, source) {
      return (await this.list(origin)).find((s) => s.source === source && s.value !== null);
    },
    async history(q): Promise<HistoryResult> {
      const sensors = await settled(node.runner<SensorsState>('sensors'));
      const { resolution, points } = await sensorHistory(sensors.state, sensors.store, q);
      let min: number | null = null;
      let max: number | null = null;
      let sum = 0;
      let count = 0;
      for (const p of points) {
        min = min === null ? p.min : Math.min(min, p.min);
        max = max === null ? p.max : Math.max(max, p.max);
        sum += p.mean * p.count;
        count += p.count;
      }
      return {
        resolution, from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(),
        min, max, mean: count ? sum / count : null, count,
        points: points.map((p) => ({ start: new Date(p.start).toISOString(), min: p.min, max: p.max, mean: p.mean, count: p.count })),
      };
    },
  };
}
