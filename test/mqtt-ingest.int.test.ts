import t from 'tap';
import { connect, type MqttClient } from 'mqtt';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { sensorsProjection, latestReadings, type SensorsState } from '../projections/sensors.js';
import { mqttSection } from '../adapters/config/sections/mqtt.js';
import { startMqtt } from '../adapters/mqtt/start-mqtt.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import type { JournalEntry } from '../core/events/event.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const ZIGBEE = 'zigbee2mqtt/kitchen_sensor';
const TASMOTA = 'tele/plug1/SENSOR';

t.test('device topics on the embedded broker become readings in the journal; bad payloads change nothing', async (t) => {
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const entries: JournalEntry[] = [];
  const sub = journal.subscribe({ fromPosition: 1 }, async (batch) => void entries.push(...batch));
  t.teardown(() => sub.close());
  const settings = mqttSection.parse({
    embeddedHost: '127.0.0.1',
    embeddedPort: 0,
    ingest: [
      { topic: ZIGBEE, source: 'kitchen_temp', path: 'temperature', unit: '°C', label: 'Kitchen temperature' },
      { topic: ZIGBEE, source: 'kitchen_door', path: 'contact' },
      { topic: TASMOTA, source: 'plug1_power', path: 'ENERGY.Power', unit: 'W' },
    ],
  });
  const refused: unknown[] = [];
  const logs: string[] = [];
  const mqtt = await startMqtt({
    settings, journal, dataDir: tempDir(t), node: { name: 'kitchen', role: 'alpaca', software: 'test' }, initialPosition: 1,
    log: (m) => logs.push(m), onRefused: (err) => refused.push(err), reconnectPeriodMs: 100,
  });
  t.ok(mqtt, 'mqtt is running');
  t.teardown(() => mqtt!.close());
  const runner = new ProjectionRunner(journal, sensorsProjection, createRegistry(), { flushIntervalMs: 50 });
  await runner.start();
  t.teardown(() => runner.stop());

  const registered = () => entries.filter((e) => e.event.type === 'source.registered').map((e) => e.event.data as { source: string; provider: string; unit?: string });
  t.same(registered().map((s) => [s.source, s.provider, s.unit]), [['mqtt.kitchen_temp', 'mqtt', '°C'], ['mqtt.kitchen_door', 'mqtt', undefined], ['mqtt.plug1_power', 'mqtt', 'W']], 'sources registered at start');

  const device: MqttClient = connect(mqtt!.url, { protocolVersion: 4 });
  t.teardown(() => device.endAsync(true));
  await new Promise<void>((r) => device.once('connect', () => r()));
  const readings = () => entries.filter((e) => e.event.type === 'reading.sampled').map((e) => (e.event.data as { values: Record<string, number> }).values);

  await waitFor(() => mqtt!.inbox?.subscribed === true, { timeoutMs: 15_000, message: 'the node to subscribe', intervalMs: 20 });
  await device.publishAsync(ZIGBEE, JSON.stringify({ temperature: 21.5, contact: true, battery: 97, linkquality: 120 }), { qos: 1 });
  await waitFor(() => readings().length > 0, { timeoutMs: 15_000, message: 'the Zigbee2MQTT reading', intervalMs: 20 });
  t.same(readings()[0], { 'mqtt.kitchen_temp': 21.5, 'mqtt.kitchen_door': 1 }, 'a Zigbee2MQTT state message');

  const before = readings().length;
  const positionBefore = journal.lastPosition();
  await device.publishAsync(ZIGBEE, 'not json', { qos: 1 });
  await device.publishAsync(ZIGBEE, '{"temperature":"warm"}', { qos: 1 });
  await device.publishAsync(TASMOTA, '{"Time":"x"}', { qos: 1 });
  await waitFor(() => refused.length >= 3, { timeoutMs: 15_000, message: 'three refusals', intervalMs: 20 });
  t.ok(refused.every((e) => isSmolError(e, ErrorCodes.MQTT_PAYLOAD_INVALID)), 'each refusal carries SMOL_MQTT_PAYLOAD_INVALID');
  t.ok(logs.some((l) => l.includes(ErrorCodes.MQTT_PAYLOAD_INVALID) && l.includes(ZIGBEE)), 'and is logged with its code and topic');
  t.equal(logs.filter((l) => l.includes(`on ${ZIGBEE}`)).length, 1, 'a device that keeps sending bad payloads is logged once a minute, not per message');
  t.equal(journal.lastPosition(), positionBefore, 'nothing was journaled for them');

  const tasmota = JSON.stringify({ Time: '2025-01-15T12:00:00', ENERGY: { Power: 42.5, Voltage: 230 } });
  await device.publishAsync(TASMOTA, tasmota, { qos: 1 });
  await waitFor(() => readings().length > before, { timeoutMs: 15_000, message: 'the Tasmota reading', intervalMs: 20 });
  t.same(readings().at(-1), { 'mqtt.plug1_power': 42.5 }, 'the node still takes good messages: a Tasmota telemetry message');

  await runner.caughtUp();
  const latest = latestReadings(runner.state as SensorsState);
  const temp = latest.find((r) => r.source === 'mqtt.kitchen_temp');
  t.match(temp, { value: 21.5, unit: '°C', label: 'Kitchen temperature' }, 'the sensors projection shows it like any reading');
});
