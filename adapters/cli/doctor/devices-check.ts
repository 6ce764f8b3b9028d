/**
 * `doctor`'s devices checks: what the kernel drives on this machine (every IIO device, 1-Wire
 * sensor and hwmon chip, with the `sensors.devices` entry that reads it), and whether each
 * configured kernel device reads now — read once, as the node would, changing nothing.
 */
import type { Config } from '../../config/schema.js';
import { discoverSysfsDevices } from '../../devices/sysfs/discover.js';
import { createHwmonDevice, createIioDevice, createW1Device, type SysfsDevice } from '../../devices/sysfs/sysfs-platforms.js';
import type { SysfsFiles } from '../../devices/sysfs/sysfs-files.js';
import { ok, warn, type CheckResult } from './check.js';

const yamlOf = (entry: Record<string, unknown>) => `{ ${Object.entries(entry).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;

/** One line per device the kernel offers, or that there is none. */
export async function checkKernelDevices(config: Config, files?: SysfsFiles): Promise<CheckResult> {
  const found = await discoverSysfsDevices(config.sensors.sysRoot, files);
  if (found.length === 0) return ok('kernel sensors', `none under ${config.sensors.sysRoot} (IIO, 1-Wire, hwmon); add the driver's dtoverlay to config.txt to get one`);
  const lines = found.map((d) => `${d.id} ${d.name ?? ''}: ${d.channels.map((c) => `${c.key}${c.unit ? ` ${c.unit}` : ''}`).join(', ') || 'no channels'} → ${yamlOf(d.config)}`);
  return ok('kernel sensors', `${found.length} found:\n    ${lines.join('\n    ')}`);
}

/** Each configured iio, w1 or hwmon device read once: ok with its values, warn with why not. */
export async function checkConfiguredDevices(config: Config, files?: SysfsFiles): Promise<CheckResult[]> {
  const ctx = { sysRoot: config.sensors.sysRoot, ...(files ? { files } : {}) };
  const out: CheckResult[] = [];
  for (const d of config.sensors.devices) {
    const c = d as Record<string, unknown>;
    const common = { name: d.name, intervalMs: d.intervalMs ?? 10_000, ...(Array.isArray(c.channels) ? { channels: c.channels as string[] } : {}) };
    let device: SysfsDevice;
    if (d.platform === 'iio') device = createIioDevice({ ...common, ...(typeof c.device === 'string' ? { device: c.device } : {}), ...(typeof c.index === 'number' ? { index: c.index } : {}), ...(typeof c.id === 'string' ? { id: c.id } : {}) }, ctx);
    else if (d.platform === 'w1') device = createW1Device({ ...common, ...(typeof c.id === 'string' ? { id: c.id } : {}) }, ctx);
    else if (d.platform === 'hwmon') device = createHwmonDevice({ ...common, chip: String(c.chip), ...(typeof c.index === 'number' ? { index: c.index } : {}) }, ctx);
    else continue;
    const name = `device ${d.name}`;
    try {
      await device.refresh();
    } catch (err) {
      out.push(warn(name, (err as Error).message, `check the wiring and the dtoverlay line in config.txt, then ls ${config.sensors.sysRoot}/bus`, (err as { code?: string }).code));
      continue;
    }
    const values = await device.sample();
    const failed = [...device.stats()].filter(([, s]) => s.lastError !== undefined);
    const read = Object.entries(values).map(([s, v]) => `${s} ${v}${((u) => (u ? ` ${u}` : ''))(device.sources().find((x) => x.source === s)?.unit)}`);
    if (failed.length === 0) out.push(ok(name, `${d.platform}: ${read.join(', ')}`));
    else out.push(warn(name, `${d.platform}: ${read.join(', ') || 'nothing read'}; ${failed.map(([s, st]) => `${s}: ${st.lastError!.message}`).join('; ')}`, 'a failed read is retried every interval; a sensor that keeps failing needs its wiring checked', failed[0]![1].lastError!.code));
  }
  return out;
}
