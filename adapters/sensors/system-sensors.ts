/**
 * The `system` sensor provider: the health of the node itself, read from /proc, /sys and statfs.
 * Roots are options so tests point it at fixture trees.
 */
import { promises as fsPromises } from 'node:fs';
import { join } from 'node:path';
import type { SensorProvider, SourceInfo } from '../../core/sensors/sensor-port.js';
import {
  type CpuTimes,
  cpuUsagePercent,
  parseCpuTimes,
  parseLoadavg,
  parseMeminfo,
  parseUptime,
  readText,
  round,
} from './proc-readers.js';
import { readCpuFrequency, readCpuTemperature } from './sys-readers.js';

/** The fields of a statfs result this provider uses (fs.promises.statfs returns more). */
export interface StatfsLike {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
}

/** Where to read from; everything but `diskPath` defaults to the real machine. */
export interface SystemSensorsOptions {
  /** The directory whose file system is measured for disk_used / disk_free — the data dir. */
  readonly diskPath: string;
  readonly procRoot?: string;
  readonly sysRoot?: string;
  readonly statfs?: (path: string) => Promise<StatfsLike>;
}

const MIB = 1024 * 1024;

const SOURCES: readonly SourceInfo[] = (
  [
    ['cpu_temp', '°C', 'CPU temperature'],
    ['cpu_freq', 'MHz', 'CPU frequency'],
    ['cpu_usage', '%', 'CPU usage'],
    ['load_1', undefined, 'Load average (1 min)'],
    ['load_5', undefined, 'Load average (5 min)'],
    ['load_15', undefined, 'Load average (15 min)'],
    ['mem_used', '%', 'Memory used'],
    ['mem_available', 'MiB', 'Memory available'],
    ['disk_used', '%', 'Disk used'],
    ['disk_free', 'MiB', 'Disk free'],
    ['uptime', 's', 'Uptime'],
  ] as const
).map(([name, unit, label]) =>
  Object.freeze({
    source: `system.${name}`,
    provider: 'system',
    ...(unit === undefined ? {} : { unit }),
    label,
    simulated: false,
  }),
);

type Reading = Record<string, number>;

/** Adds `value` under `key` only when it is a finite number — the absent-never-zero rule in one place. */
function put(out: Reading, key: string, value: number | undefined, decimals: number): void {
  if (value !== undefined && Number.isFinite(value)) out[key] = round(value, decimals);
}

/** Creates the `system` SensorProvider; `sample()` never throws and leaves out whatever it cannot read. */
export function createSystemSensors(options: SystemSensorsOptions): SensorProvider {
  const procRoot = options.procRoot ?? '/proc';
  const sysRoot = options.sysRoot ?? '/sys';
  const statfs = options.statfs ?? ((path: string) => fsPromises.statfs(path));
  // Usage is a rate: it needs the previous sample's counters, so the first sample has none.
  let previousCpu: CpuTimes | undefined;

  const readers: Array<(out: Reading) => Promise<void>> = [
    async (out) => put(out, 'system.cpu_temp', await readCpuTemperature(sysRoot), 1),
    async (out) => put(out, 'system.cpu_freq', await readCpuFrequency(sysRoot), 0),
    async (out) => {
      const load = parseLoadavg(await readText(join(procRoot, 'loadavg')));
      put(out, 'system.load_1', load.load1, 2);
      put(out, 'system.load_5', load.load5, 2);
      put(out, 'system.load_15', load.load15, 2);
    },
    async (out) => {
      const now = parseCpuTimes(await readText(join(procRoot, 'stat')));
      if (now !== undefined && previousCpu !== undefined) {
        put(out, 'system.cpu_usage', cpuUsagePercent(previousCpu, now), 1);
      }
      // An unreadable sample forgets the baseline: a delta across a gap would be a guess.
      previousCpu = now;
    },
    async (out) => {
      const mem = parseMeminfo(await readText(join(procRoot, 'meminfo')));
      const total = mem.get('MemTotal');
      const available = mem.get('MemAvailable');
      if (available !== undefined) put(out, 'system.mem_available', available / 1024, 0);
      if (total !== undefined && available !== undefined && total > 0 && available <= total) {
        put(out, 'system.mem_used', ((total - available) / total) * 100, 1);
      }
    },
    async (out) => {
      const fs = await statfs(options.diskPath);
      const used = fs.blocks - fs.bfree;
      // Like df: the share of space usable by ordinary users, so root-reserved blocks don't hide a full disk.
      const usable = used + fs.bavail;
      if (usable > 0 && used >= 0) put(out, 'system.disk_used', (used / usable) * 100, 1);
      if (fs.bavail >= 0 && fs.bsize > 0) put(out, 'system.disk_free', (fs.bavail * fs.bsize) / MIB, 0);
    },
    async (out) => put(out, 'system.uptime', parseUptime(await readText(join(procRoot, 'uptime'))), 0),
  ];

  return {
    name: 'system',
    sources: () => SOURCES,
    async sample() {
      // Each reader fails alone: one unreadable file must not cost the others their values.
      const parts = await Promise.all(
        readers.map(async (read) => {
          const part: Reading = {};
          await read(part).catch(() => undefined);
          return part;
        }),
      );
      // Merged in a fixed order, so the same readings always serialize to the same bytes.
      return Object.assign({}, ...parts) as Reading;
    },
  };
}
