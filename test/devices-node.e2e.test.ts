import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { loadConfig } from '../adapters/config/load-config.js';
import { startNode } from '../adapters/cli/commands/start.js';
import type { Output } from '../adapters/cli/output.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Issue 12: a node configured with kernel-driven devices on a fake /sys (the kernel's layout) shows
// their readings, with units and device classes, on the dashboard API and in Home Assistant discovery.

const quiet: Output = { out: () => undefined, err: () => undefined };

t.test('a node with a BME280, a DS18B20 and a hwmon chip journals their readings and announces them to Home Assistant', async (t) => {
  const cwd = tempDir(t);
  const sys = new FakeSysfs(join(cwd, 'sys'));
  sys.iio(0, 'bme280', { in_temp_input: '21500', in_humidityrelative_input: '48250', in_pressure_input: '101.3' }, 'platform/i2c/1-0076');
  sys.w1('28-00000abcdef0', 19750);
  sys.hwmon(0, 'cpu_thermal', { temp1_input: '48312' });
  writeFileSync(
    join(cwd, 'smollama.yaml'),
    [
      'sensors:',
      `  sysRoot: ${JSON.stringify(sys.root)}`,
      '  devices:',
      '    - { platform: iio, name: attic, device: bme280, intervalMs: 200 }',
      '    - { platform: w1, name: tank, intervalMs: 200 }',
      '    - { platform: hwmon, name: soc, chip: cpu_thermal, intervalMs: 200 }',
      '',
    ].join('\n'),
  );
  const config = await loadConfig({
    cwd,
    env: {},
    flags: { port: '0', set: ['mqtt.embeddedPort=0', 'observer.enabled=false', 'sensors.system.enabled=false', 'sensors.gpio.mode=simulated', 'journal.readingsCommitMs=100', 'journal.minFreeBytes=0', 'llm.host=http://127.0.0.1:9'] },
  });
  const running = await startNode(config, quiet);
  t.teardown(() => running.stop('test'));

  type Source = { source: string; unit: string | null; deviceClass?: string | null; value: number | null };
  const sources = await waitForValue(
    async () => {
      const res = await fetch(new URL('/api/readings/latest', running.http.url));
      const list = ((await res.json()) as { readings: Source[] }).readings;
      const wanted = ['attic.temperature', 'attic.humidity', 'attic.pressure', 'tank.temperature', 'soc.temperature1'];
      return wanted.every((s) => list.some((x) => x.source === s && x.value !== null)) ? list : undefined;
    },
    { timeoutMs: 20_000, message: 'the five device sources with values on /api/readings/latest' },
  );
  const by = new Map(sources.map((s) => [s.source, s]));
  t.match(by.get('attic.temperature'), { unit: '°C', deviceClass: 'temperature', value: 21.5 });
  t.match(by.get('attic.pressure'), { unit: 'hPa', deviceClass: 'pressure', value: 1013 });
  t.match(by.get('tank.temperature'), { unit: '°C', value: 19.75 });

  // The DS18B20 answers its power-on reset value: refused, so the latest stays what it was.
  sys.setW1('28-00000abcdef0', 85000);
  sys.iio(0, 'bme280', { in_temp_input: '22000', in_humidityrelative_input: '48250', in_pressure_input: '101.3' }, 'platform/i2c/1-0076');
  await waitFor(
    async () => {
      const res = await fetch(new URL('/api/readings/latest', running.http.url));
      return ((await res.json()) as { readings: Source[] }).readings.some((s) => s.source === 'attic.temperature' && s.value === 22);
    },
    { timeoutMs: 20_000, message: 'a newer BME280 reading' },
  );
  const latest = ((await (await fetch(new URL('/api/readings/latest', running.http.url))).json()) as { readings: Source[] }).readings;
  t.equal(latest.find((s) => s.source === 'tank.temperature')?.value, 19.75, '85 °C was never journaled');

  const client = mqtt.connect(running.mqtt!.url, { protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => client.end(true));
  const configs = new Map<string, Record<string, unknown>>();
  client.on('message', (topic, payload) => {
    if (payload.length > 0 && topic.endsWith('/config')) configs.set(topic, JSON.parse(payload.toString()) as Record<string, unknown>);
  });
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  await client.subscribeAsync('homeassistant/#', { qos: 1 });
  await waitFor(() => [...configs.keys()].some((k) => k.includes('attic_temperature')) && [...configs.keys()].some((k) => k.includes('tank_temperature')), {
    timeoutMs: 10_000,
    message: 'discovery configs of attic.temperature and tank.temperature',
  });
  const attic = [...configs.entries()].find(([k]) => k.includes('attic_temperature'))!;
  t.match(attic[0], /^homeassistant\/sensor\//);
  t.match(attic[1], { device_class: 'temperature', unit_of_measurement: '°C', state_topic: `smollama/${config.node.name}/readings/attic.temperature` });
  const pressure = [...configs.entries()].find(([k]) => k.includes('attic_pressure'));
  t.match(pressure?.[1], { device_class: 'pressure', unit_of_measurement: 'hPa' });
});
