import t, { type Test } from 'tap';
import { connect, type MqttClient } from 'mqtt';
import { mqttSection } from '../adapters/config/sections/mqtt.js';
import { startMqtt, type RunningMqtt } from '../adapters/mqtt/start-mqtt.js';
import { startEmbeddedBroker } from '../adapters/mqtt/embedded-broker.js';
import { ErrorCodes } from '../core/errors.js';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';
import { mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

interface ToolAnswer {
  ok: boolean;
  tool: string;
  callId?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; details?: { issues?: Array<{ path: string }> } };
}

/** A node's tools (no model is asked) with MQTT on an embedded aedes broker, or on `url`. */
async function node(t: Test, options: { url?: string; mqtt?: Record<string, unknown> } = {}) {
  const w = await fakeOllamaWorld(t, { now: T0 - 5 * MIN });
  await w.register([{ source: 'mqtt.kitchen_temp', unit: '°C' }]);
  await w.reading(T0 - MIN, { 'mqtt.kitchen_temp': 21.5 });
  w.setNow(T0);
  const s = await w.services();
  await w.settle();
  const settings = mqttSection.parse({ embeddedHost: '127.0.0.1', embeddedPort: 0, ...(options.url ? { url: options.url } : {}), ...options.mqtt });
  const refused: unknown[] = [];
  const mqtt = (await startMqtt({
    settings, journal: w.journal, dataDir: tempDir(t), node: { name: 'kitchen', role: 'alpaca', software: 'test' },
    initialPosition: w.journal.lastPosition() + 1, tools: s.tools, log: () => undefined, onRefused: (e) => refused.push(e), reconnectPeriodMs: 100,
  })) as RunningMqtt;
  t.teardown(() => mqtt.close());
  await waitFor(() => mqtt.inbox?.subscribed === true, { timeoutMs: 20_000, message: 'the node to subscribe', intervalMs: 20 });
  const toolEvents = async () => {
    const out: Array<{ type: string; data: Record<string, unknown> }> = [];
    for await (const e of w.journal.read({ types: ['tool.called', 'tool.completed'] })) out.push({ type: e.event.type, data: e.event.data as Record<string, unknown> });
    return out;
  };
  return { w, mqtt, refused, toolEvents };
}

/** A client that listens on every answers topic of the node's tools. */
async function caller(t: Test, url: string, protocolVersion: 4 | 5) {
  const client: MqttClient = connect(url, { protocolVersion, reconnectPeriod: 100 });
  t.teardown(() => client.endAsync(true));
  await new Promise<void>((r) => client.once('connect', () => r()));
  const got: Array<{ topic: string; answer: ToolAnswer; correlation?: string }> = [];
  client.on('message', (topic, payload, packet) =>
    got.push({ topic, answer: JSON.parse(payload.toString()) as ToolAnswer, ...(packet.properties?.correlationData ? { correlation: packet.properties.correlationData.toString() } : {}) }),
  );
  await client.subscribeAsync(['smollama/kitchen/tools/+/answers', 'phone/replies'], { qos: 1 });
  return { client, got };
}

t.test('a call on smollama/<node>/tools/<name> is run and answered on its /answers topic (aedes speaks 3.1.1), journaled with via mqtt', async (t) => {
  const { mqtt, toolEvents } = await node(t);
  const { client, got } = await caller(t, mqtt.url, 4);
  await client.publishAsync('smollama/kitchen/tools/read_source', JSON.stringify({ source: 'mqtt.kitchen_temp' }), { qos: 1 });
  await waitFor(() => got.length >= 1, { timeoutMs: 20_000, message: 'the answer', intervalMs: 20 });
  t.equal(got[0]!.topic, 'smollama/kitchen/tools/read_source/answers');
  t.match(got[0]!.answer, { ok: true, tool: 'read_source', result: { value: 21.5 } });
  t.match(await toolEvents(), [
    { type: 'tool.called', data: { callId: got[0]!.answer.callId, tool: 'read_source', args: { source: 'mqtt.kitchen_temp' }, caller: { kind: 'mqtt', via: 'mqtt' } } },
    { type: 'tool.completed', data: { callId: got[0]!.answer.callId, ok: true } },
  ]);

  await client.publishAsync('smollama/kitchen/tools/math', '', { qos: 1 });
  await client.publishAsync('smollama/kitchen/tools/math', JSON.stringify({ expression: '2 ^ 10' }), { qos: 1 });
  await waitFor(() => got.length >= 3, { timeoutMs: 20_000, message: 'two more answers', intervalMs: 20 });
  t.equal(got[1]!.answer.error?.code, ErrorCodes.TOOL_ARGS_INVALID, 'an empty payload is no arguments: the expression is missing');
  t.same(got[1]!.answer.error?.details?.issues?.map((i) => i.path), ['expression'], 'the field is named');
  t.match(got[2]!.answer, { ok: true, result: { value: 1024 } }, 'answered in the order called');
});

t.test('over MQTT only read-only tools run, unless mqtt.tools.tools is all; unknown tools and bad payloads are answered with their code', async (t) => {
  const { mqtt, refused, toolEvents } = await node(t);
  const { client, got } = await caller(t, mqtt.url, 4);
  await client.publishAsync('smollama/kitchen/tools/storage_put', JSON.stringify({ key: 'a', value: 1 }), { qos: 1 });
  await client.publishAsync('smollama/kitchen/tools/make_coffee', '{}', { qos: 1 });
  await client.publishAsync('smollama/kitchen/tools/math', '{not json', { qos: 1 });
  await client.publishAsync('smollama/kitchen/tools/math', '[1]', { qos: 1 });
  await waitFor(() => got.length >= 4, { timeoutMs: 20_000, message: 'four refusals', intervalMs: 20 });
  const byTopic = (topic: string) => got.filter((g) => g.topic === topic).map((g) => g.answer.error?.code);
  t.same(byTopic('smollama/kitchen/tools/storage_put/answers'), [ErrorCodes.FORBIDDEN], 'a tool that writes is refused');
  t.same(byTopic('smollama/kitchen/tools/make_coffee/answers'), [ErrorCodes.TOOL_UNKNOWN]);
  t.same(byTopic('smollama/kitchen/tools/math/answers'), [ErrorCodes.MQTT_PAYLOAD_INVALID, ErrorCodes.MQTT_PAYLOAD_INVALID]);
  t.equal(refused.length, 4, 'each refusal is reported to the node log');
  t.same(await toolEvents(), [], 'nothing refused was journaled');

  const open = await node(t, { mqtt: { tools: { tools: 'all' } } });
  const c2 = await caller(t, open.mqtt.url, 4);
  await c2.client.publishAsync('smollama/kitchen/tools/storage_put', JSON.stringify({ key: 'greeting', value: 'hello' }), { qos: 1 });
  await waitFor(() => c2.got.length >= 1, { timeoutMs: 20_000, message: 'the write answer', intervalMs: 20 });
  t.match(c2.got[0]!.answer, { ok: true, tool: 'storage_put', result: { stored: 'greeting' } }, 'with tools: all, a write runs');
  t.match(await open.toolEvents(), [{ type: 'tool.called', data: { tool: 'storage_put', caller: { via: 'mqtt' } } }, { type: 'tool.completed', data: { ok: true } }]);
});

t.test('a retained call is not run (it would run again at every reconnect)', async (t) => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  t.teardown(() => broker.close());
  const early = await caller(t, broker.url, 4);
  await early.client.publishAsync('smollama/kitchen/tools/storage_put', JSON.stringify({ key: 'old', value: 1 }), { qos: 1, retain: true });
  const { mqtt, refused, toolEvents } = await node(t, { url: broker.url, mqtt: { tools: { tools: 'all' } } });
  await early.client.publishAsync('smollama/kitchen/tools/math', JSON.stringify({ expression: '1 + 1' }), { qos: 1 });
  await waitFor(() => early.got.length >= 1, { timeoutMs: 20_000, message: 'the answer to the fresh call', intervalMs: 20 });
  t.equal(mqtt.inbox?.protocolVersion, 4);
  t.same(early.got.map((g) => g.topic), ['smollama/kitchen/tools/math/answers'], 'only the fresh call was answered');
  t.match(refused, [{ code: ErrorCodes.MQTT_PAYLOAD_INVALID }], 'the retained call was refused (and logged)');
  t.same((await toolEvents()).map((e) => e.data['tool']), ['math', 'math'], 'only the fresh call was journaled');
});

t.test('with mqtt.tools.enabled false the node does not take tool calls', async (t) => {
  const { w, mqtt, toolEvents } = await node(t, { mqtt: { tools: { enabled: false }, ingest: [{ topic: 'dev/t', source: 't' }] } });
  const { client, got } = await caller(t, mqtt.url, 4);
  await client.publishAsync('smollama/kitchen/tools/math', JSON.stringify({ expression: '1' }), { qos: 1 });
  // Sent after the call, on the same connection: once it is a reading, the call would have been taken.
  await client.publishAsync('dev/t', '20', { qos: 1 });
  const ingested = async () => {
    for await (const e of w.journal.read({ types: ['reading.sampled'] })) if ((e.event.data as { values: Record<string, number> }).values['mqtt.t'] === 20) return true;
    return false;
  };
  await waitFor(ingested, { timeoutMs: 20_000, message: 'the device reading', intervalMs: 20 });
  t.same(got, [], 'no answer');
  t.same(await toolEvents(), [], 'nothing journaled');
});

const skip = mosquittoMissing([]);

t.test('against mosquitto (MQTT 5): the answer goes to the response topic with the correlation data', { skip: skip ?? false }, async (t) => {
  const broker = await mosquitto(t);
  const { mqtt, toolEvents } = await node(t, { url: broker.url });
  t.equal(mqtt.inbox?.protocolVersion, 5, 'the node speaks MQTT 5 to mosquitto');
  const { client, got } = await caller(t, broker.url, 5);
  await client.publishAsync('smollama/kitchen/tools/read_source', JSON.stringify({ source: 'mqtt.kitchen_temp' }), {
    qos: 1, properties: { responseTopic: 'phone/replies', correlationData: Buffer.from('req-7') },
  });
  await waitFor(() => got.length >= 1, { timeoutMs: 20_000, message: 'the answer', intervalMs: 20 });
  t.equal(got[0]!.topic, 'phone/replies', 'the answer went to the response topic');
  t.equal(got[0]!.correlation, 'req-7', 'with the correlation data');
  t.match(got[0]!.answer, { ok: true, tool: 'read_source', result: { value: 21.5 } });
  t.notOk(got.some((g) => g.topic.endsWith('/answers')), 'nothing went to the fallback answers topic');
  t.match(await toolEvents(), [{ type: 'tool.called', data: { caller: { kind: 'mqtt', via: 'mqtt' } } }, { type: 'tool.completed', data: { ok: true } }]);
});
