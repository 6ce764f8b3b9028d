import { join } from 'node:path';
import t from 'tap';
import { z } from 'zod';
import { connect } from 'mqtt';
import { loadConfig } from '../adapters/config/load-config.js';
import { createLogger } from '../adapters/log/logger.js';
import { UnitRegistry } from '../core/runtime/units.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import { journalUnit } from '../adapters/units/journal.js';
import { pushUnit } from '../adapters/units/push.js';
import { sensorsUnit } from '../adapters/units/sensors.js';
import { nodeUnit } from '../adapters/units/node.js';
import { beginUnit } from '../adapters/units/begin.js';
import { devicesUnit } from '../adapters/units/devices.js';
import { definePlatform } from '../adapters/devices/platform.js';
import { registerPlatform, unregisterPlatform } from '../adapters/devices/platforms.js';
import { MqttPublisher } from '../adapters/mqtt/publisher.js';
import type { PushReadings } from '../core/devices/device-port.js';
import type { Journal } from '../core/journal/journal.js';
import { latestReadings, type SensorsState } from '../projections/sensors.js';
import { mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';
import { retained } from './helpers/mqtt-retained.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

/** A thermometer with a door contact, driven by the test: what the framework does around any platform. */
const world = { celsius: 21.5 as number | undefined, push: undefined as PushReadings | undefined };
const thermo = definePlatform({
  name: 'test-thermo',
  description: 'a fake thermometer with a door contact (tests)',
  schema: z.object({ room: z.string().default('attic') }).strict(),
  defaultIntervalMs: 1000,
  create(config, ctx) {
    const temperature = ctx.sourceId('temperature');
    const door = ctx.sourceId('door');
    return {
      name: config.name,
      device: config.name,
      platform: 'test-thermo',
      intervalMs: config.intervalMs,
      sources: () => [
        { source: temperature, provider: config.name, unit: '°C', label: `${config.room} temperature`, simulated: false, device: config.name, platform: 'test-thermo', deviceClass: 'temperature', binary: false },
        { source: door, provider: config.name, label: `${config.room} door`, simulated: false, device: config.name, platform: 'test-thermo', deviceClass: 'door', binary: true },
      ],
      async sample() {
        if (world.celsius === undefined) {
          ctx.reads.fail(temperature, 'SMOL_DEVICE_READ_FAILED', 'checksum error');
          return {};
        }
        ctx.reads.ok(temperature);
        return { [temperature]: world.celsius };
      },
      attach: (push) => void (world.push = push),
      stats: () => ctx.reads.stats(),
    };
  },
});


async function events(journal: Journal, type: string) {
  const out: Array<{ v: number; data: Record<string, unknown>; position: number }> = [];
  for await (const e of journal.read()) if (e.event.type === type) out.push({ v: e.event.v, data: e.event.data as Record<string, unknown>, position: e.position });
  return out;
}

async function valuesOf(journal: Journal, source: string): Promise<number[]> {
  return (await events(journal, 'reading.sampled')).flatMap((e) => {
    const v = (e.data['values'] as Record<string, number>)[source];
    return v === undefined ? [] : [v];
  });
}

t.test('a node with a YAML-declared device journals its readings with unit and class, and Home Assistant is told', { skip: mosquittoMissing([]) ?? false }, async (t) => {
  registerPlatform(thermo);
  t.teardown(() => unregisterPlatform('test-thermo'));
  const broker = await mosquitto(t, { persistence: false });
  const cwd = tempDir(t);
  const config = await loadConfig({
    cwd,
    env: {
      SMOLLAMA_SENSORS__GPIO__PINS: '[{name: rain_gauge, pin: 11, direction: input, pull: up, debounceMs: 0}]',
      SMOLLAMA_SENSORS__DEVICES: '[{platform: test-thermo, name: attic, intervalMs: 100, filters: [{clamp: {min: -40, max: 125, drop: true}}]}, {platform: gpio-counter, name: rain, pin: rain_gauge, intervalMs: 150, multiplier: 0.5, unit: mm, deviceClass: precipitation}]',
    },
    flags: { set: ['node.name=kitchen', 'sensors.system.enabled=false', 'sensors.gpio.mode=simulated', 'sensors.gpio.simulateEdges=true', 'sensors.gpio.intervalMs=3600000', 'journal.readingsCommitMs=0'] },
  });
  const logger = createLogger({ level: 'silent', format: 'json', write: () => undefined, tty: false, journald: false });
  const shelf = new Shelf();
  const acquire = [journalUnit(), pushUnit(), sensorsUnit(), nodeUnit()];
  const registry = new UnitRegistry<UnitContext>([...acquire, beginUnit(acquire.map((u) => u.name)), devicesUnit()], {
    context: (unit) => ({ config, log: logger.child({ unit: unit.name }), shelf, output: { out: () => undefined, err: () => undefined }, stopReason: () => 'test' }),
  });
  await registry.start();
  t.teardown(() => registry.stop());
  const journal = shelf.get('journal');
  const publisher = await MqttPublisher.start({
    journal,
    url: broker.url,
    node: { name: 'kitchen', role: 'alpaca', software: 'test' },
    prefix: 'smollama',
    qos: 1,
    discovery: true,
    discoveryPrefix: 'homeassistant',
    cursorPath: join(tempDir(t), 'mqtt-position.json'),
    initialPosition: 1,
    reconnectPeriodMs: 200,
  });
  t.teardown(() => publisher.stop(0));

  // Registered as v2, after node.started, with what downstream needs.
  const started = (await events(journal, 'node.started'))[0]!.position;
  const regs = await waitForValue(async () => {
    const r = (await events(journal, 'source.registered')).filter((e) => e.v === 2);
    return r.length >= 4 ? r : undefined;
  }, { timeoutMs: 5000, message: 'the devices to register their sources' });
  t.ok(regs.every((r) => r.position > started), 'after node.started');
  const reg = (source: string) => regs.find((r) => r.data['source'] === source)?.data;
  t.match(reg('attic.temperature'), { unit: '°C', deviceClass: 'temperature', device: 'attic', platform: 'test-thermo', binary: false });
  t.match(reg('attic.door'), { deviceClass: 'door', binary: true });
  t.match(reg('rain.total'), { unit: 'mm', deviceClass: 'precipitation', platform: 'gpio-counter' });

  // Polled readings on the device's interval; a refused read is absent and counted; it recovers.
  await waitFor(async () => (await valuesOf(journal, 'attic.temperature')).length >= 2, { timeoutMs: 5000, message: 'polled readings' });
  world.celsius = -127;
  const health = () => registry.health().find((u) => u.name === 'devices');
  await waitFor(() => health()?.state === 'degraded', { timeoutMs: 5000, message: 'the devices unit to say a device fails' });
  t.match(health(), { code: 'SMOL_DEVICE_READ_FAILED', message: /1 of 2 device\(s\) fail to read: attic \(attic\.temperature: refused by a filter: -127 is outside/ });
  world.celsius = undefined;
  await waitFor(() => /checksum error/.test(health()?.message ?? ''), { timeoutMs: 5000, message: "the platform's own failure" });
  world.celsius = 22;
  await waitFor(() => health()?.state === 'running', { timeoutMs: 5000, message: 'the device to recover by itself' });
  await waitFor(async () => (await valuesOf(journal, 'attic.temperature')).includes(22), { timeoutMs: 5000, message: 'the good reading journaled' });
  const temps = await valuesOf(journal, 'attic.temperature');
  t.notOk(temps.includes(-127), 'the refused value was never journaled');
  t.equal(temps.at(-1), 22);
  const stats = shelf.get('devices').find((d) => d.name === 'attic')!.stats().get('attic.temperature')!;
  t.ok(stats.failed >= 2 && stats.ok >= 3 && stats.lastError === undefined, 'failed reads counted, recovered');

  // A push: journaled when it happens.
  await world.push!({ 'attic.door': 1 });
  t.same(await valuesOf(journal, 'attic.door'), [1]);

  // Pulses on the simulated GPIO input reach the counter through the push path's edge hub.
  const gpio = shelf.get('gpio')!;
  gpio.simulateEdge('rain_gauge', 1); // released (the simulation may start it at 0)
  // A tipping bucket tips at most a few times a second: each tip is journaled before the next.
  const edgesSeen = async () => (await valuesOf(journal, 'gpio.rain_gauge')).length;
  for (let i = 0; i < 3; i++) {
    const before = await edgesSeen();
    gpio.simulateEdge('rain_gauge', 0);
    gpio.simulateEdge('rain_gauge', 1);
    await waitFor(async () => (await edgesSeen()) >= before + 2, { timeoutMs: 5000, message: `tip ${i + 1} journaled` });
  }
  await waitFor(async () => (await valuesOf(journal, 'rain.total')).includes(1.5), { timeoutMs: 5000, message: 'three tips of 0.5 mm' });

  // The sensors projection (the dashboard's API) knows the device.
  const sensors = shelf.get('node').runner<SensorsState>('sensors');
  await sensors.caughtUp();
  t.match(latestReadings(sensors.state).find((r) => r.source === 'attic.door'), { value: 1, binary: true, deviceClass: 'door', device: 'attic' });

  // Home Assistant discovery with device_class and unit.
  const configs = await waitForValue(async () => {
    const c = await retained(broker.url, 'homeassistant/+/+/config');
    return [...c.keys()].filter((k) => /attic|rain/.test(k)).length >= 4 ? c : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, message: 'the devices announced' });
  const announced = (component: string, id: string) => JSON.parse(configs.get(`homeassistant/${component}/smollama_kitchen_${id}/config`) ?? 'null') as Record<string, unknown> | null;
  t.match(announced('sensor', 'attic_temperature'), { device_class: 'temperature', unit_of_measurement: '°C', state_class: 'measurement', name: 'attic temperature' });
  t.match(announced('binary_sensor', 'attic_door'), { device_class: 'door', payload_on: '1' });
  t.match(announced('sensor', 'rain_total'), { device_class: 'precipitation', unit_of_measurement: 'mm', state_class: 'total_increasing' });
  t.match(announced('sensor', 'rain_rate'), { unit_of_measurement: 'mm/min' });
});
