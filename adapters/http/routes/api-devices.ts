import type { DeviceReadStats, DeviceSourceInfo } from '../../../core/devices/device-port.js';
import { latestReadings, type SensorsState } from '../../../projections/sensors.js';
import type { RouteGroup } from '../app.js';
import { requireScope } from '../auth/guard.js';

/** What the route reads of a configured device (adapters/devices/device-runner.ts fits). */
export interface DeviceView {
  readonly name: string;
  readonly platformName: string;
  readonly intervalMs: number | undefined;
  sources(): readonly DeviceSourceInfo[];
  stats(): ReadonlyMap<string, DeviceReadStats>;
  problem(): { code: string; message: string } | undefined;
}

/** One source of a device: what it is, its latest value in the journal, and its read counts. */
export interface DeviceSourceStatus {
  source: string;
  label?: string;
  unit?: string;
  deviceClass?: string;
  binary: boolean;
  /** The latest value this node journaled for it, and when (ms); absent before a first reading. */
  value?: number;
  at?: number;
  ok: number;
  failed: number;
  /** While its latest read failed: why and when. */
  lastError?: { code: string; message: string; atMs: number };
}

/** GET /api/devices: one configured device (`sensors.devices`) as the dashboard's devices view shows it. */
export interface DeviceStatus {
  name: string;
  platform: string;
  /** Poll interval (ms); absent for a device that only pushes readings. */
  intervalMs?: number;
  /** reading: every source's latest read worked; failing: one did not; not-set-up: it could not be made (retried). */
  state: 'reading' | 'failing' | 'not-set-up';
  /** Why it is failing or not set up (a SmolError code such as SMOL_DEVICE_UNAVAILABLE). */
  problem?: { code: string; message: string };
  sources: DeviceSourceStatus[];
  /** Failed reads over all its sources since start, and the newest failure still standing. */
  errors: { count: number; last?: { source: string; code: string; message: string; atMs: number } };
}

/** A device's status from its runner and the latest readings (pure: tests call it directly). */
export function deviceStatus(d: DeviceView, latest: ReadonlyMap<string, { value: number; at: number }>): DeviceStatus {
  const stats = d.stats();
  const sources = d.sources().map((s): DeviceSourceStatus => {
    const st = stats.get(s.source);
    const l = latest.get(s.source);
    return {
      source: s.source,
      ...(s.label ? { label: s.label } : {}),
      ...(s.unit ? { unit: s.unit } : {}),
      ...(s.deviceClass ? { deviceClass: s.deviceClass } : {}),
      binary: s.binary ?? false,
      ...(l ? { value: l.value, at: l.at } : {}),
      ok: st?.ok ?? 0,
      failed: st?.failed ?? 0,
      ...(st?.lastError ? { lastError: { ...st.lastError } } : {}),
    };
  });
  let count = 0;
  let last: DeviceStatus['errors']['last'];
  // Stats may name sources the device no longer lists (or not yet): their failures count too.
  for (const [source, st] of stats) {
    count += st.failed;
    if (st.lastError && (!last || st.lastError.atMs > last.atMs)) last = { source, ...st.lastError };
  }
  const problem = d.problem();
  const state = sources.length === 0 && problem ? 'not-set-up' : problem ? 'failing' : 'reading';
  return {
    name: d.name,
    platform: d.platformName,
    ...(d.intervalMs === undefined ? {} : { intervalMs: d.intervalMs }),
    state,
    ...(problem ? { problem: { ...problem } } : {}),
    sources,
    errors: { count, ...(last ? { last } : {}) },
  };
}

/** The configured devices with their sources, last readings and read errors (read token off loopback). */
export const apiDevicesRoutes: RouteGroup = async (app, { deps }) => {
  const read = requireScope('read');
  app.get('/api/devices', { onRequest: read }, async () => {
    const devices = deps.devices?.() ?? [];
    if (devices.length === 0) return { devices: [] };
    const sensors = deps.node.runner<SensorsState>('sensors');
    const own = deps.journal.nodeId;
    const latest = new Map(latestReadings(sensors.state, { origin: own }).map((r) => [r.source, { value: r.value, at: r.at }]));
    return { devices: devices.map((d) => deviceStatus(d, latest)) };
  });
};
