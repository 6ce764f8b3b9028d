/** Readers for /sys: CPU temperature from thermal zones and the current CPU frequency. */
import { join } from 'node:path';
import { listDir, parseInteger, readText } from './proc-readers.js';

/** Zone types that measure the CPU itself (Raspberry Pi, Intel, other SoCs) rather than e.g. a battery. */
const CPU_ZONE_TYPES = new Set(['cpu-thermal', 'cpu_thermal', 'x86_pkg_temp', 'soc_thermal']);

/**
 * CPU temperature in °C from /sys/class/thermal/thermal_zone*: a CPU-type zone if one is
 * readable, else the first readable zone in numeric order; undefined if none is.
 */
export async function readCpuTemperature(sysRoot: string): Promise<number | undefined> {
  const dir = join(sysRoot, 'class', 'thermal');
  const zones = (await listDir(dir))
    .map((name) => ({ name, index: /^thermal_zone(\d+)$/.exec(name)?.[1] }))
    .filter((z): z is { name: string; index: string } => z.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index));
  const readings = await Promise.all(
    zones.map(async ({ name }) => {
      const [type, temp] = await Promise.all([
        readText(join(dir, name, 'type')),
        readText(join(dir, name, 'temp')),
      ]);
      return { type: type?.trim(), milli: parseInteger(temp) };
    }),
  );
  const readable = readings.filter((r) => r.milli !== undefined);
  const chosen = readable.find((r) => r.type !== undefined && CPU_ZONE_TYPES.has(r.type)) ?? readable[0];
  return chosen?.milli === undefined ? undefined : chosen.milli / 1000;
}

/** Current frequency of cpu0 in MHz (the file holds kHz); undefined if unreadable or not positive. */
export async function readCpuFrequency(sysRoot: string): Promise<number | undefined> {
  const khz = parseInteger(
    await readText(join(sysRoot, 'devices', 'system', 'cpu', 'cpu0', 'cpufreq', 'scaling_cur_freq')),
  );
  return khz !== undefined && khz > 0 ? khz / 1000 : undefined;
}
