import t from 'tap';
import { connect } from 'mqtt';
import { startEmbeddedBroker } from '../adapters/mqtt/embedded-broker.js';
import { MqttToolClient, topicMatches } from '../adapters/tools/mqtt-access.js';
import { fakeOllamaWorld } from './helpers/fake-ollama-world.js';
import { waitFor } from './helpers/wait-for.js';

t.test('topic filters match with + and #', async (t) => {
  t.ok(topicMatches('zigbee2mqtt/#', 'zigbee2mqtt/kitchen/temp'));
  t.ok(topicMatches('zigbee2mqtt/+/temp', 'zigbee2mqtt/kitchen/temp'));
  t.notOk(topicMatches('zigbee2mqtt/+', 'zigbee2mqtt/kitchen/temp'));
  t.notOk(topicMatches('a/b', 'a'));
  t.ok(topicMatches('#', 'anything/at/all'));
});

t.test('mqtt_publish and mqtt_recent_messages through a broker, journaled like every tool', async (t) => {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  t.teardown(() => broker.close());
  const access = MqttToolClient.start({ url: broker.url, ownPrefix: 'smollama' });
  t.teardown(() => access.close());
  const device = connect(broker.url);
  t.teardown(() => device.endAsync(true));
  const received: Array<[string, string]> = [];
  device.on('message', (topic, payload) => received.push([topic, payload.toString()]));
  await new Promise<void>((r) => device.on('connect', () => r()));
  await device.subscribeAsync('lights/#');

  const w = await fakeOllamaWorld(t);
  const s = await w.services();
  s.attachMqtt(access);
  const ctx = { caller: { kind: 'agent' as const }, registers: new Map<string, unknown>() };

  // The agent's client is subscribed once a probe the device sends shows up in its ring.
  const probeSeen = async () => {
    await device.publishAsync('probe/ready', 'x');
    return (await access.recent('probe/#', 1)).length > 0;
  };
  await waitFor(probeSeen, { timeoutMs: 10_000, intervalMs: 50, message: "the agent's MQTT client to subscribe" });
  await device.publishAsync('smollama/kitchen/events/reading.sampled', '{}');
  await device.publishAsync('zigbee2mqtt/kitchen_sensor', '{"temperature":21.4}');
  // Delivered in order on one connection: once the second is in, the first has been seen (and left out).
  await waitFor(async () => (await access.recent('zigbee2mqtt/#', 1)).length > 0, { timeoutMs: 10_000, message: "the device's reading to reach the agent" });
  const recent = await s.tools.call('mqtt_recent_messages', { topic: 'zigbee2mqtt/#' }, ctx);
  t.match(recent, { ok: true, result: { messages: [{ topic: 'zigbee2mqtt/kitchen_sensor', payload: '{"temperature":21.4}' }] } });
  const all = await s.tools.call('mqtt_recent_messages', {}, ctx);
  t.notOk((all.ok ? (all.result as { messages: Array<{ topic: string }> }).messages : []).some((m) => m.topic.startsWith('smollama/')), "the node's own stream is left out");

  t.match(await s.tools.call('mqtt_publish', { topic: 'lights/porch/set', payload: 'ON' }, ctx), { ok: true, result: { published: 'lights/porch/set', bytes: 2 } });
  await waitFor(() => received.length > 0, { timeoutMs: 10_000, message: 'the device to receive the published command' });
  t.same(received, [['lights/porch/set', 'ON']]);
  t.match(await s.tools.call('mqtt_publish', { topic: 'lights/#', payload: 'ON' }, ctx), { ok: false, error: { code: 'SMOL_TOOL_ARGS_INVALID' } });
  const tools: string[] = [];
  for await (const e of w.journal.read({ types: ['tool.called'] })) tools.push((e.event.data as { tool: string }).tool);
  t.same(tools, ['mqtt_recent_messages', 'mqtt_recent_messages', 'mqtt_publish', 'mqtt_publish']);
});

t.test('publishing without a broker is a coded tool failure', async (t) => {
  const access = MqttToolClient.start({ url: 'mqtt://127.0.0.1:9' });
  t.teardown(() => access.close());
  await t.rejects(access.publish('a/b', 'x', false), { code: 'SMOL_TOOL_FAILED' });
});
