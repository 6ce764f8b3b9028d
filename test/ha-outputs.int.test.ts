import t, { type Test } from 'tap';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createGpio } from '../adapters/sensors/gpio.js';
import { startMqtt } from '../adapters/mqtt/start-mqtt.js';
import { createOutputs } from '../adapters/devices/outputs/outputs.js';
import { outputEntitiesOf } from '../adapters/devices/outputs/output-entities-of.js';
import { outputsSection } from '../adapters/config/sections/outputs.js';
import { outputCommandOf } from '../adapters/mqtt/output-entities.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { FakeI2cBus, FakeLcd } from './helpers/fake-i2c-chips.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { MQTT_ADMIN_TOKEN, mqttTestSettings } from './helpers/mqtt-settings.js';

// Issue 12, item 3: each output is the matching Home Assistant entity, commanded through the broker.

const ADMIN = MQTT_ADMIN_TOKEN;
const settings = mqttTestSettings;

async function setup(t: Test) {
  const dir = tempDir(t);
  const journal = await openMemoryJournal();
  const sys = new FakeSysfs(join(dir, 'sys'));
  const chip = sys.pwmChip(0);
  sys.exportPwm(0, 0);
  const bus = new FakeI2cBus();
  const lcd = new FakeLcd();
  bus.chips.set(0x27, lcd);
  const gpio = await createGpio({ pins: [{ name: 'relay', pin: 12, direction: 'output', pull: 'off' }], mode: 'simulated' });
  const configs = outputsSection.parse([
    { name: 'pump', platform: 'gpio', pin: 'relay', label: 'Garden pump' },
    { name: 'fan', platform: 'pwm' },
    { name: 'screen', platform: 'lcd' },
  ]);
  const port = createOutputs(configs, { journal, gpio, sysRoot: sys.root, i2cBus: async () => bus, delay: async () => undefined, assertWritable: () => undefined });
  const refused: string[] = [];
  const running = await startMqtt({
    settings: settings(),
    journal,
    dataDir: dir,
    node: { name: 'shed', role: 'alpaca', software: 'test' },
    initialPosition: 1,
    credentials: (_u, p) => (p === ADMIN ? 'admin' : undefined),
    brokerTrusted: () => false,
    outputs: { entities: outputEntitiesOf(configs), port: () => port },
    onRefused: (err) => refused.push(isSmolError(err) ? err.code : 'other'),
    log: () => undefined,
    reconnectPeriodMs: 100,
  });
  t.teardown(async () => {
    await running?.close();
    await journal.close();
  });
  await waitFor(() => running?.inbox?.subscribed === true, { timeoutMs: 10_000, message: 'the inbox to subscribe' });
  const written = async () => {
    const out: unknown[] = [];
    for await (const e of journal.read({ types: ['output.written'] })) out.push(e.event.data);
    return out;
  };
  const client = await new Promise<mqtt.MqttClient>((resolve, reject) => {
    const c = mqtt.connect(running!.url, { protocolVersion: 4, reconnectPeriod: 0, username: 'ha', password: ADMIN });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
  t.teardown(() => client.end(true));
  const seen = new Map<string, string>();
  client.on('message', (topic, payload) => seen.set(topic, payload.toString()));
  await client.subscribeAsync(['homeassistant/#', 'smollama/shed/outputs/#']);
  return { client, seen, written, lcd, chip, refused };
}

t.test('outputs are announced as a switch, a light with brightness and a text, and commands drive them', async (t) => {
  const { client, seen, written, lcd, chip, refused } = await setup(t);
  await waitFor(() => ['switch', 'light', 'text'].every((c) => [...seen.keys()].some((k) => k.startsWith(`homeassistant/${c}/smollama_shed_output_`))), { timeoutMs: 10_000, message: 'the three configs' });
  const config = (c: string, n: string) => JSON.parse(seen.get(`homeassistant/${c}/smollama_shed_output_${n}/config`)!) as Record<string, unknown>;
  t.match(config('switch', 'pump'), { name: 'Garden pump', command_topic: 'smollama/shed/outputs/pump/set', state_topic: 'smollama/shed/outputs/pump/state', payload_on: '1' });
  t.match(config('light', 'fan'), { brightness_command_topic: 'smollama/shed/outputs/fan/brightness/set', brightness_scale: 100, on_command_type: 'brightness' });
  t.match(config('text', 'screen'), { command_topic: 'smollama/shed/outputs/screen/set', max: 33 });

  await client.publishAsync('smollama/shed/outputs/pump/set', 'ON', { qos: 1 });
  await client.publishAsync('smollama/shed/outputs/fan/brightness/set', '40', { qos: 1 });
  await client.publishAsync('smollama/shed/outputs/screen/set', 'Rain soon', { qos: 1 });
  await waitFor(async () => (await written()).length === 3, { timeoutMs: 10_000, message: 'three journaled writes' });
  const byName = (a: unknown, b: unknown) => ((a as { output: string }).output < (b as { output: string }).output ? -1 : 1);
  t.same((await written()).sort(byName), [
    { output: 'fan', kind: 'pwm', platform: 'pwm', value: 0.4, simulated: false },
    { output: 'pump', kind: 'switch', platform: 'gpio', value: 1, simulated: true },
    { output: 'screen', kind: 'text', platform: 'lcd', value: 'Rain soon', simulated: false },
  ], 'commands are handled as they come: in any order');
  t.equal(readFileSync(join(chip, 'pwm0', 'duty_cycle'), 'utf8'), '400000\n', '40 % of a 1 ms period');
  t.equal(lcd.row(0).trim(), 'Rain soon');
  await waitFor(() => seen.get('smollama/shed/outputs/fan/state')?.includes('"value":0.4') === true, { timeoutMs: 10_000, message: 'the retained state of the fan' });

  await client.publishAsync('smollama/shed/outputs/fan/brightness/set', '250', { qos: 1 });
  await waitFor(() => refused.length === 1, { timeoutMs: 10_000, message: 'the refusal' });
  t.same(refused, [ErrorCodes.MQTT_PAYLOAD_INVALID]);
  t.equal((await written()).length, 3, 'a bad command drove nothing');
});

t.test('command payloads per kind', async (t) => {
  const b = (s: string) => Buffer.from(s);
  t.equal(outputCommandOf('switch', 'x', b('off'), false), 0);
  t.equal(outputCommandOf('pwm', 'x', b('55'), true), 0.55);
  t.equal(outputCommandOf('number', 'x', b('12.5'), false), 12.5);
  t.equal(outputCommandOf('text', 'x', b(' hi '), false), ' hi ');
  t.throws(() => outputCommandOf('number', 'x', b('twelve'), false), { code: ErrorCodes.MQTT_PAYLOAD_INVALID });
  t.throws(() => outputCommandOf('switch', 'x', b('toggle'), false), { code: ErrorCodes.MQTT_PAYLOAD_INVALID });
});
