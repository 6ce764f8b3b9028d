import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect } from 'mqtt';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MqttPublisher } from '../adapters/mqtt/publisher.js';
import { createSystemSensors } from '../adapters/sensors/system-sensors.js';
import { mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';
import { retained } from './helpers/mqtt-retained.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Item 6 of issue 10: Home Assistant discovery against Debian's mosquitto, without persistence.
const skip = mosquittoMissing([]);

async function publishAs(url: string, messages: Array<{ topic: string; payload: string; retain: boolean }>): Promise<void> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
  for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain });
  await client.endAsync();
}

/** 16 sources: the 11 system ones, three GPIO pins, an ingested humidity and an ingested door contact. */
function registrations() {
  const system = createSystemSensors({ diskPath: '/' }).sources().map((s) => ({ ...s }));
  return [
    ...system,
    { source: 'gpio.button', provider: 'gpio', label: 'button (pin 11, input)', simulated: true },
    { source: 'gpio.door', provider: 'gpio', label: 'door (pin 13, input)', simulated: true },
    { source: 'gpio.led', provider: 'gpio', label: 'led (pin 12, output)', simulated: true },
    { source: 'mqtt.kitchen_humidity', provider: 'mqtt', unit: '%', label: 'Kitchen humidity', simulated: false },
    { source: 'mqtt.front_door', provider: 'mqtt', label: 'Front door', simulated: false },
  ].map((data) => ({ type: 'source.registered', data }));
}

async function setup(t: Test) {
  const broker = await mosquitto(t, { persistence: false });
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const publisher = await MqttPublisher.start({
    journal,
    url: broker.url,
    node: { name: 'kitchen', role: 'alpaca', software: 'test' },
    prefix: 'smollama',
    qos: 1,
    discovery: true,
    discoveryPrefix: 'homeassistant',
    discoveryOverrides: { 'mqtt.front_door': { binary: true, onValue: 0, deviceClass: 'door' } },
    cursorPath: join(tempDir(t), 'mqtt-position.json'),
    initialPosition: 1,
    reconnectPeriodMs: 200,
  });
  t.teardown(() => publisher.stop(0));
  await journal.append(registrations());
  await journal.append([{ type: 'reading.sampled', data: { values: { 'system.cpu_temp': 48.5, 'gpio.button': 1 } } }]);
  await waitFor(() => publisher.position === journal.lastPosition(), { timeoutMs: 10_000, message: 'the stream to be acknowledged' });
  const configs = () => retained(broker.url, 'homeassistant/+/+/config');
  const all16 = (what: string) => waitForValue(async () => {
    const c = await configs();
    return c.size === 16 ? c : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, message: what });
  return { broker, journal, publisher, configs, all16 };
}

t.test('mosquitto holds 16 retained configs with device and state classes and binary sensors', { skip: skip ?? false }, async (t) => {
  const { all16 } = await setup(t);
  const configs = await all16('16 retained configs');
  const config = (component: string, source: string) => JSON.parse(configs.get(`homeassistant/${component}/smollama_kitchen_${source.replace('.', '_')}/config`) ?? 'null') as Record<string, unknown> | null;
  t.match(config('sensor', 'system.cpu_temp'), { device_class: 'temperature', state_class: 'measurement', unit_of_measurement: '°C' });
  t.match(config('sensor', 'system.cpu_freq'), { device_class: 'frequency', state_class: 'measurement', unit_of_measurement: 'MHz' });
  t.match(config('sensor', 'system.mem_available'), { device_class: 'data_size', state_class: 'measurement', unit_of_measurement: 'MiB' });
  t.match(config('sensor', 'system.uptime'), { device_class: 'duration', state_class: 'total_increasing', unit_of_measurement: 's' });
  t.match(config('sensor', 'mqtt.kitchen_humidity'), { device_class: 'humidity', state_class: 'measurement', unit_of_measurement: '%' });
  const load = config('sensor', 'system.load_1');
  t.equal(load?.state_class, 'measurement', 'a unitless gauge still has a state class');
  t.notOk(load && 'device_class' in load, 'and no device class');
  t.match(config('binary_sensor', 'gpio.button'), { payload_on: '1', payload_off: '0', value_template: '{{ value_json.value }}', availability_topic: 'smollama/kitchen/status' });
  t.match(config('binary_sensor', 'gpio.door'), { device_class: 'door' });
  t.match(config('binary_sensor', 'gpio.led'), { payload_on: '1' }, 'an output without switch commands is read-only');
  t.match(config('binary_sensor', 'mqtt.front_door'), { device_class: 'door', payload_on: '0', payload_off: '1' });
  t.notOk([...configs.keys()].some((k) => k.startsWith('homeassistant/sensor/smollama_kitchen_gpio_')), 'no GPIO pin is a sensor');
});

t.test('after mosquitto restarts without persistence, every config and the latest readings are retained again', { skip: skip ?? false }, async (t) => {
  const { broker, all16 } = await setup(t);
  const before = await all16('16 retained configs before the restart');
  await publishAs(broker.url, [{ topic: 'smollama-test/kept', payload: 'if persistent', retain: true }]);
  await broker.stop();
  await broker.start();
  t.same([...(await retained(broker.url, 'smollama-test/kept')).keys()], [], 'the restarted broker kept nothing');
  const after = await all16('16 retained configs after the restart');
  t.same([...after.keys()].sort(), [...before.keys()].sort(), 'the same configs');
  const readings = await waitForValue(async () => {
    const r = await retained(broker.url, 'smollama/kitchen/readings/#');
    return r.size === 2 ? r : undefined;
  }, { timeoutMs: 15_000, intervalMs: 100, message: 'the latest readings again' });
  t.match(JSON.parse(readings.get('smollama/kitchen/readings/system.cpu_temp')!), { value: 48.5, unit: '°C' });
  t.equal((await retained(broker.url, 'smollama/kitchen/status')).get('smollama/kitchen/status'), 'online');
});

t.test("Home Assistant's birth message (homeassistant/status online) sends every config again", { skip: skip ?? false }, async (t) => {
  const { broker, configs, all16 } = await setup(t);
  const before = await all16('16 retained configs');
  // Lose them without a reconnect of the node: as if the broker had been swapped behind it.
  await publishAs(broker.url, [...before.keys()].map((topic) => ({ topic, payload: '', retain: true })));
  t.equal((await configs()).size, 0, 'no config left');
  await publishAs(broker.url, [{ topic: 'homeassistant/status', payload: 'online', retain: false }]);
  await all16('16 configs after the birth message');
  t.pass('all 16 configs are back');
});
