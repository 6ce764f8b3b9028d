import t, { type Test } from 'tap';
import mqtt from 'mqtt';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { SmolNode } from '../core/runtime/smol-node.js';
import { allProjections } from '../projections/all.js';
import { createGpio } from '../adapters/sensors/gpio.js';
import { startMqtt, type MqttSettings } from '../adapters/mqtt/start-mqtt.js';
import { isSmolError } from '../core/errors.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { MQTT_ADMIN_TOKEN, mqttTestSettings } from './helpers/mqtt-settings.js';

// Item 6 of issue 10: a GPIO output as a Home Assistant switch, commanded through the embedded broker.

const ADMIN = MQTT_ADMIN_TOKEN;
const READ = 'read-token';

const settings = mqttTestSettings;

function connect(url: string, password: string): Promise<mqtt.MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, username: 'ha', password });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => (client.end(true), reject(err)));
  });
}

async function setup(t: Test, over: Partial<MqttSettings> = {}) {
  const journal = await openMemoryJournal();
  const gpio = await createGpio({ pins: [{ name: 'led', pin: 12, direction: 'output', pull: 'off' }, { name: 'button', pin: 11, direction: 'input', pull: 'up' }], mode: 'simulated', seed: 3 });
  const node = await SmolNode.create({ journal, registry: createRegistry(), name: 'kitchen', role: 'alpaca', software: 'test', projections: allProjections, schedules: [{ provider: gpio, intervalMs: 60_000 }], gpio, sealIntervalMs: 60_000, timers: new ManualTimers() });
  const refused: Array<{ code: string; topic: string }> = [];
  const running = await startMqtt({
    settings: settings(over),
    journal,
    dataDir: tempDir(t),
    node: { name: 'kitchen', role: 'alpaca', software: 'test' },
    initialPosition: 1,
    credentials: (_u, p) => (p === ADMIN ? 'admin' : p === READ ? 'read' : undefined),
    brokerTrusted: () => false,
    gpio: { pins: gpio.list(), write: (pin, value) => node.writeGpio(pin, value) },
    onRefused: (err, topic) => refused.push({ code: isSmolError(err) ? err.code : 'other', topic }),
    log: () => undefined,
    reconnectPeriodMs: 100,
  });
  t.teardown(async () => {
    await running?.close();
    await node.stop('test');
    await journal.close();
  });
  await node.begin();
  const writes = async () => {
    const out: unknown[] = [];
    for await (const e of journal.read({ types: ['gpio.written'] })) out.push(e.event.data);
    return out;
  };
  if (running?.inbox) await waitFor(() => running.inbox?.subscribed === true, { timeoutMs: 10_000, message: 'the inbox to subscribe' });
  return { journal, gpio, running: running!, writes, refused };
}

t.test('a switch command from an admin-token client toggles the output and is journaled; a read-token client cannot', async (t) => {
  const { running, gpio, writes, refused } = await setup(t);
  const url = running.url;
  const admin = await connect(url, ADMIN);
  t.teardown(() => admin.end(true));
  const seen: Array<{ topic: string; payload: string }> = [];
  admin.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await admin.subscribeAsync(['homeassistant/switch/#', 'smollama/kitchen/readings/gpio.led']);
  await waitFor(() => seen.some((m) => m.topic === 'homeassistant/switch/smollama_kitchen_gpio_led/config'), { timeoutMs: 10_000, message: 'the switch config' });
  const config = JSON.parse(seen.find((m) => m.topic === 'homeassistant/switch/smollama_kitchen_gpio_led/config')!.payload) as Record<string, unknown>;
  t.match(config, { command_topic: 'smollama/kitchen/gpio/led/set', payload_on: '1', payload_off: '0', state_topic: 'smollama/kitchen/readings/gpio.led' });

  await admin.publishAsync('smollama/kitchen/gpio/led/set', '1', { qos: 1 });
  await waitFor(async () => (await writes()).length === 1, { timeoutMs: 10_000, message: 'the journaled write' });
  t.same(await writes(), [{ pin: 'led', value: 1, simulated: true }], 'journaled like a write through the API');
  t.equal(gpio.list().find((p) => p.name === 'led')?.value, 1, 'the simulated output is on');
  await waitFor(() => seen.some((m) => m.topic === 'smollama/kitchen/readings/gpio.led' && JSON.parse(m.payload).value === 1), { timeoutMs: 10_000, message: 'the state topic to say on' });

  const reader = await connect(url, READ);
  const dropped = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  reader.publish('smollama/kitchen/gpio/led/set', '0', { qos: 1 });
  await dropped; // the embedded broker drops a client that publishes without the admin token
  await admin.publishAsync('smollama/kitchen/gpio/led/set', 'ON', { qos: 1 });
  await waitFor(async () => (await writes()).length === 2, { timeoutMs: 10_000, message: "the admin's second write" });
  t.same(await writes(), [{ pin: 'led', value: 1, simulated: true }, { pin: 'led', value: 1, simulated: true }], "the read-token client's 0 never reached the pin");
  t.equal(gpio.list().find((p) => p.name === 'led')?.value, 1);

  // A bad command switches nothing and is refused with a code.
  await admin.publishAsync('smollama/kitchen/gpio/led/set', 'toggle', { qos: 1 });
  await waitFor(() => refused.length === 1, { timeoutMs: 10_000, message: 'the refusal of toggle' });
  t.same(refused, [{ code: 'SMOL_MQTT_PAYLOAD_INVALID', topic: 'smollama/kitchen/gpio/led/set' }]);
  // A command someone published retained is carried out once, when it comes; the broker's replay
  // of it to the next subscription (every reconnect) is refused, or it would switch again each time.
  await admin.publishAsync('smollama/kitchen/gpio/led/set', '0', { qos: 1, retain: true });
  await waitFor(async () => (await writes()).length === 3, { timeoutMs: 10_000, message: 'the live retained command' });
  (running.inbox as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
  await waitFor(() => refused.length === 2, { timeoutMs: 10_000, message: 'the refusal of the replayed retained command' });
  t.same(refused[1], { code: 'SMOL_MQTT_PAYLOAD_INVALID', topic: 'smollama/kitchen/gpio/led/set' });
  t.same((await writes()).map((w) => (w as { value: number }).value), [1, 1, 0], 'the replay switched nothing');
  await admin.publishAsync('smollama/kitchen/gpio/led/set', '', { qos: 1, retain: true }); // clear the retained command
});

t.test('with switches off the output is a read-only binary sensor and commands are not taken', async (t) => {
  const { running } = await setup(t, { switches: 'off' });
  t.equal(running.inbox, undefined, 'nothing subscribes to the command topic');
  const admin = await connect(running.url, ADMIN);
  t.teardown(() => admin.end(true));
  const seen: string[] = [];
  admin.on('message', (topic, payload) => payload.length > 0 && seen.push(topic));
  await admin.subscribeAsync(['homeassistant/+/smollama_kitchen_gpio_led/config']);
  await waitFor(() => seen.length > 0, { timeoutMs: 10_000, message: 'the config of gpio.led' });
  t.same([...new Set(seen)], ['homeassistant/binary_sensor/smollama_kitchen_gpio_led/config']);
});
