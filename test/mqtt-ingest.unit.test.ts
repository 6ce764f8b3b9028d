import t, { type Test } from 'tap';
import { parseJsonPath, valueAt } from '../adapters/sensors/json-path.js';
import { MqttIngest, type IngestRule } from '../adapters/sensors/mqtt-ingest.js';
import { mqttSection } from '../adapters/config/sections/mqtt.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import type { EventDraft } from '../core/events/event.js';

const ZIGBEE = 'zigbee2mqtt/kitchen_sensor';
const TASMOTA = 'tele/plug1/SENSOR';
const rules: IngestRule[] = [
  { topic: ZIGBEE, source: 'kitchen_temp', path: 'temperature', unit: '°C' },
  { topic: ZIGBEE, source: 'kitchen_humidity', path: 'humidity', unit: '%' },
  { topic: ZIGBEE, source: 'kitchen_door', path: 'contact' },
  { topic: TASMOTA, source: 'plug1_power', path: '$.ENERGY.Power', unit: 'W' },
  { topic: TASMOTA, source: 'mqtt.plug1_temp', path: "AM2301['Temperature']", unit: '°C' },
  { topic: 'home/outside/temp', source: 'outside_temp', path: '' },
];

function ingest() {
  const appended: EventDraft[][] = [];
  const i = new MqttIngest(rules, { append: async (drafts) => void appended.push([...drafts]) });
  return { i, appended };
}

const refusal = (t: Test, fn: () => unknown, what: string) => {
  try {
    fn();
    t.fail(`${what}: accepted`);
  } catch (err) {
    t.ok(isSmolError(err, ErrorCodes.MQTT_PAYLOAD_INVALID), `${what}: SMOL_MQTT_PAYLOAD_INVALID`);
  }
};

t.test('JSON paths: dotted names, $ root, indices and quoted keys', async (t) => {
  t.same(parseJsonPath(''), []);
  t.same(parseJsonPath('$'), []);
  t.same(parseJsonPath('temperature'), ['temperature']);
  t.same(parseJsonPath('$.ENERGY.Power'), ['ENERGY', 'Power']);
  t.same(parseJsonPath('sensors[1].value'), ['sensors', 1, 'value']);
  t.same(parseJsonPath('["a.b"]'), ['a.b']);
  t.same(parseJsonPath("AM2301['Temperature']"), ['AM2301', 'Temperature']);
  for (const bad of ['a..b', 'a.', '[x]', 'a[', "['open"]) t.equal(parseJsonPath(bad), undefined, `${bad} is refused`);
  t.equal(valueAt({ a: [{ b: 3 }] }, ['a', 0, 'b']), 3);
  t.equal(valueAt({ a: 1 }, ['constructor']), undefined, 'only own properties are followed');
  t.equal(valueAt([1], [5]), undefined);
});

t.test('a Zigbee2MQTT state message becomes one reading per configured path', async (t) => {
  const { i } = ingest();
  const payload = Buffer.from(JSON.stringify({ temperature: 21.5, humidity: 48.2, contact: false, battery: 97, linkquality: 120 }));
  t.same(i.readingsOf(ZIGBEE, payload), { 'mqtt.kitchen_temp': 21.5, 'mqtt.kitchen_humidity': 48.2, 'mqtt.kitchen_door': 0 });
  t.same(i.readingsOf(ZIGBEE, Buffer.from('{"temperature":22,"contact":"ON"}')), { 'mqtt.kitchen_temp': 22, 'mqtt.kitchen_door': 1 }, 'an absent value is no reading, ON is 1');
});

t.test('Tasmota telemetry with nested paths, and a bare number payload', async (t) => {
  const { i } = ingest();
  const tele = { Time: '2025-01-15T12:00:00', ENERGY: { Power: 42, Voltage: 230 }, AM2301: { Temperature: 19.4, Humidity: 50 }, TempUnit: 'C' };
  t.same(i.readingsOf(TASMOTA, Buffer.from(JSON.stringify(tele))), { 'mqtt.plug1_power': 42, 'mqtt.plug1_temp': 19.4 });
  t.same(i.readingsOf('home/outside/temp', Buffer.from('7.5')), { 'mqtt.outside_temp': 7.5 });
  t.same(i.readingsOf('home/outside/temp', Buffer.from(' "8" ')), { 'mqtt.outside_temp': 8 });
});

t.test('bad payloads are refused whole with SMOL_MQTT_PAYLOAD_INVALID and journal nothing', async (t) => {
  const { i, appended } = ingest();
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.from('not json')), 'text where JSON is expected');
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.from('[1,2]')), 'a JSON array');
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.from('{"temperature":"warm","humidity":40}')), 'a value that is not a number');
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.from('{"linkquality":10}')), 'none of the readings');
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.from('{"temperature":{"v":1}}')), 'an object where a number is expected');
  refusal(t, () => i.readingsOf('home/outside/temp', Buffer.from('cold')), 'a bare payload that is not a number');
  refusal(t, () => i.readingsOf(ZIGBEE, Buffer.alloc(70_000, 32)), 'an oversized payload');
  await t.rejects(i.handle(ZIGBEE, Buffer.from('{')), { code: ErrorCodes.MQTT_PAYLOAD_INVALID });
  t.same(appended, [], 'nothing was journaled');
  await i.handle(ZIGBEE, Buffer.from('{"temperature":20}'));
  t.same(appended, [[{ type: 'reading.sampled', data: { values: { 'mqtt.kitchen_temp': 20 } } }]]);
});

t.test('sources are registered with provider mqtt, unit and label', async (t) => {
  const { i, appended } = ingest();
  await i.register();
  const sources = appended[0]!.map((d) => d.data as { source: string; provider: string; unit?: string });
  t.same(sources.map((s) => s.source), ['mqtt.kitchen_temp', 'mqtt.kitchen_humidity', 'mqtt.kitchen_door', 'mqtt.plug1_power', 'mqtt.plug1_temp', 'mqtt.outside_temp']);
  t.ok(sources.every((s) => s.provider === 'mqtt'));
  t.equal(sources[0]!.unit, '°C');
  t.same(i.topics(), [ZIGBEE, TASMOTA, 'home/outside/temp']);
});

t.test('the config checks topics, source names, paths and duplicates', async (t) => {
  const parse = (ingest: unknown) => mqttSection.safeParse({ ingest });
  t.ok(parse([{ topic: ZIGBEE, source: 'kitchen_temp', path: 'temperature' }]).success);
  t.equal(mqttSection.parse({}).ingest.length, 0, 'nothing is ingested by default');
  t.equal(mqttSection.parse({}).readingsQos, 1);
  for (const [bad, what] of [
    [[{ topic: 'zigbee2mqtt/+', source: 'x', path: 'a' }], 'a wildcard topic'],
    [[{ topic: ZIGBEE, source: 'Kitchen Temp', path: 'a' }], 'a source with spaces'],
    [[{ topic: ZIGBEE, source: 'x', path: 'a..b' }], 'a bad path'],
    [[{ topic: ZIGBEE, source: 'x', path: 'a' }, { topic: TASMOTA, source: 'mqtt.x', path: 'b' }], 'the same source twice'],
  ] as const) {
    t.notOk(parse(bad).success, `${what} is refused`);
  }
});
