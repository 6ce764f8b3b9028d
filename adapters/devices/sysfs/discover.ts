/**
 * What the kernel drives on this machine: every IIO device, 1-Wire temperature sensor and hwmon
 * chip, with its channels, units and device classes — for `doctor`, the devices API and the
 * `sensors.discover` option, and as the YAML a user can paste.
 */
import { hwmonChannels, listHwmonChips } from './hwmon.js';
import { iioChannels, listIioDevices } from './iio.js';
import { listW1Sensors } from './w1.js';
import { type SysfsFiles, listOrEmpty, nodeSysfsFiles } from './sysfs-files.js';

export interface DiscoveredDevice {
  readonly platform: 'iio' | 'w1' | 'hwmon';
  /** `iio:device0`, `28-00000abcdef0`, `hwmon2`. */
  readonly id: string;
  /** The driver's name (bme280, dht11, cpu_thermal); the serial for 1-Wire. */
  readonly name: string | undefined;
  readonly channels: readonly { key: string; unit?: string; deviceClass?: string }[];
  /** A `sensors.devices` entry that reads it. */
  readonly config: Record<string, unknown>;
}

/** Lists every sysfs device under `sysRoot`; a bus that is not there gives none. */
export async function discoverSysfsDevices(sysRoot: string, files: SysfsFiles = nodeSysfsFiles): Promise<DiscoveredDevice[]> {
  const out: DiscoveredDevice[] = [];
  const used = new Set<string>();
  const nameFor = (base: string) => {
    let name = base.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'device';
    if (!/^[a-z]/.test(name)) name = `d_${name}`;
    let n = name;
    for (let i = 2; used.has(n); i++) n = `${name}_${i}`;
    used.add(n);
    return n;
  };
  for (const d of await listIioDevices(files, sysRoot)) {
    const channels = iioChannels(await listOrEmpty(files, d.dir)).map((c) => ({ key: c.key, ...strip(c.quantity) }));
    const sameName = out.filter((o) => o.platform === 'iio' && o.name === d.name).length;
    out.push({
      platform: 'iio',
      id: d.id,
      name: d.name,
      channels,
      config: { platform: 'iio', name: nameFor(d.name ?? d.id), ...(d.name === undefined ? { id: d.id } : { device: d.name }), ...(sameName > 0 ? { index: sameName } : {}) },
    });
  }
  for (const serial of await listW1Sensors(files, sysRoot)) {
    out.push({
      platform: 'w1',
      id: serial,
      name: serial,
      channels: [{ key: 'temperature', unit: '°C', deviceClass: 'temperature' }],
      config: { platform: 'w1', name: nameFor(`temp_${serial.slice(-4)}`), id: serial },
    });
  }
  for (const chip of await listHwmonChips(files, sysRoot)) {
    const channels = (await hwmonChannels(files, chip.dir)).map((c) => ({ key: c.key, ...strip(c.quantity) }));
    if (chip.name === undefined || channels.length === 0) continue;
    const sameName = out.filter((o) => o.platform === 'hwmon' && o.name === chip.name).length;
    out.push({ platform: 'hwmon', id: chip.id, name: chip.name, channels, config: { platform: 'hwmon', name: nameFor(chip.name), chip: chip.name, ...(sameName > 0 ? { index: sameName } : {}) } });
  }
  return out;
}

function strip(q: { unit?: string; deviceClass?: string }) {
  return { ...(q.unit === undefined ? {} : { unit: q.unit }), ...(q.deviceClass === undefined ? {} : { deviceClass: q.deviceClass }) };
}
