/**
 * Issue 12's CPU figure: a node (its own process, `smollama start`) with 10 configured devices at
 * their default intervals — 4 IIO (a BME280, a DHT11, an HC-SR04, an ADC), 3 DS18B20 and 3 hwmon
 * chips on a fake /sys with the kernel's layout — plus its default system sensors and simulated
 * GPIO. CPU is the process's utime + stime from /proc/<pid>/stat over a window that starts after
 * start-up (and tsx's compile) has settled. Target: ≤ 2 % of one core.
 *
 *   node --import tsx test/bench/devices-cpu-bench.ts [--seconds 60]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeSysfs } from '../helpers/fake-sysfs.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import { stopNode } from './soak-node.js';

const TICKS = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

export async function devicesCpu(options: { seconds?: number; settleSeconds?: number } = {}): Promise<{ cpuPercent: number; seconds: number; devices: number; readings: number }> {
  const seconds = options.seconds ?? 60;
  const root = mkdtempSync(join(tmpdir(), 'smollama-devices-cpu-'));
  try {
    const sys = new FakeSysfs(join(root, 'sys'));
    sys.iio(0, 'bme280', { in_temp_input: '21500', in_humidityrelative_input: '48250', in_pressure_input: '101.3' });
    sys.iio(1, 'dht11', { in_temp_input: '20000', in_humidityrelative_input: '40000' });
    sys.iio(2, 'hcsr04', { in_distance_raw: '1234', in_distance_scale: '0.001000' });
    sys.iio(3, 'ads1015', { in_voltage0_raw: '1650', in_voltage1_raw: '12', in_voltage_scale: '2.000000' });
    for (const [i, s] of ['28-00000000000a', '28-00000000000b', '28-00000000000c'].entries()) sys.w1(s, 19000 + i * 250);
    sys.hwmon(0, 'cpu_thermal', { temp1_input: '48312' });
    sys.hwmon(1, 'pwmfan', { fan1_input: '3200' });
    sys.hwmon(2, 'ina219', { in0_input: '5020', curr1_input: '450', power1_input: '2250000' });
    const devices = [
      '{ platform: iio, name: attic, device: bme280 }',
      '{ platform: iio, name: hall, device: dht11 }',
      '{ platform: iio, name: tank_level, device: hcsr04 }',
      '{ platform: iio, name: adc, device: ads1015 }',
      '{ platform: w1, name: water, id: 28-00000000000a }',
      '{ platform: w1, name: soil, id: 28-00000000000b }',
      '{ platform: w1, name: outside, id: 28-00000000000c }',
      '{ platform: hwmon, name: soc, chip: cpu_thermal }',
      '{ platform: hwmon, name: fan, chip: pwmfan }',
      '{ platform: hwmon, name: supply, chip: ina219 }',
    ];
    writeFileSync(join(root, 'smollama.yaml'), `sensors:\n  sysRoot: ${JSON.stringify(sys.root)}\n  devices:\n${devices.map((d) => `    - ${d}`).join('\n')}\n`);
    const node = spawnCli(['start', '--config', join(root, 'smollama.yaml'), '--data-dir', join(root, 'data'), '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'llm.host=http://127.0.0.1:9']);
    node.stderr?.resume();
    try {
      const line = await waitForOutput(node, /dashboard: (\S+)/, 120_000);
      const base = line.replace('dashboard: ', '');
      await new Promise((r) => setTimeout(r, (options.settleSeconds ?? 20) * 1000));
      const before = cpuTicks(node.pid!);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const used = (cpuTicks(node.pid!) - before) / TICKS;
      const wall = (performance.now() - t0) / 1000;
      const latest = (await (await fetch(new URL('/api/readings/latest', base))).json()) as { readings: { source: string }[] };
      const readings = latest.readings.filter((r) => !r.source.startsWith('system.') && !r.source.startsWith('gpio.')).length;
      return { cpuPercent: (100 * used) / wall, seconds: wall, devices: devices.length, readings };
    } finally {
      await stopNode(node);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({ options: { seconds: { type: 'string' } } });
  const r = await devicesCpu(values.seconds ? { seconds: Number(values.seconds) } : {});
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
