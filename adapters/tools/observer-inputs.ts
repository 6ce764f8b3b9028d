import type { ObserverInputs, SeriesSnapshot } from '../../core/observer/observer-port.js';
import { readingHistory, sourceList, latestReadings, type SensorsState } from '../../projections/sensors.js';
import { listObservations } from '../../projections/observations.js';
import { settled, type NodeViews } from './node-views.js';
import { recentDetectionsOf } from './vision-access.js';

const HOUR = 3_600_000;

/** The observer's view of this node: minute rollups in the window, hour rollups before it, recent observations. */
export function observerInputs(node: NodeViews): ObserverInputs {
  const self = node.journal.nodeId;
  return {
    async series({ from, to, baselineFrom }) {
      const sensors = await settled(node.runner<SensorsState>('sensors'));
      const latest = new Map(latestReadings(sensors.state, { origin: self }).map((r) => [r.source, r]));
      const out: SeriesSnapshot[] = [];
      for (const s of sourceList(sensors.state)) {
        if (s.origin !== self) continue;
        const window = await readingHistory(sensors.state, sensors.store, { origin: self, source: s.source, from, to, resolution: 'minute' });
        // Whole hours before the window's hour, so the baseline does not include the window itself.
        const baseline = await readingHistory(sensors.state, sensors.store, { origin: self, source: s.source, from: baselineFrom, to: from - (from % HOUR), resolution: 'hour' });
        const l = latest.get(s.source);
        out.push({ source: s.source, label: s.label, unit: s.unit, ...(s.deviceClass ? { deviceClass: s.deviceClass } : {}), ...(s.binary ? { binary: true } : {}), simulated: s.simulated, latest: l?.value ?? null, latestAt: l?.at ?? null, window, baseline });
      }
      return out;
    },
    async recentObservations(limit) {
      const runner = await settled(node.runner('observations'));
      return (await listObservations(runner.store, { origin: self, limit })).map((o) => ({ text: o.text, kind: o.kind, method: o.method, at: o.at }));
    },
    recentDetections: (sinceMs, limit) => recentDetectionsOf(node, sinceMs, limit),
  };
}
