import { spawn } from 'node:child_process';
import t from 'tap';
import { connect, type MqttClient } from 'mqtt';
import { mqttSection } from '../adapters/config/sections/mqtt.js';
import { startMqtt, type RunningMqtt } from '../adapters/mqtt/start-mqtt.js';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';
import { MOSQUITTO_RR, mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const skip = mosquittoMissing([MOSQUITTO_RR]);

t.test('against mosquitto (MQTT 5): answers go to the response topic with the correlation data; device topics become readings', { skip: skip ?? false }, async (t) => {
  const broker = await mosquitto(t);
  const w = await fakeOllamaWorld(t, { now: T0 - 5 * MIN });
  await w.register([{ source: 'system.cpu_temp', unit: '°C' }]);
  await w.reading(T0 - MIN, { 'system.cpu_temp': 48.2 });
  w.setNow(T0);
  const s = await w.services();
  const settings = mqttSection.parse({ url: broker.url, ingest: [{ topic: 'zigbee2mqtt/hall', source: 'hall_temp', path: 'temperature', unit: '°C' }] });
  const mqtt = (await startMqtt({
    settings, journal: w.journal, dataDir: tempDir(t), node: { name: 'kitchen', role: 'alpaca', software: 'test' },
    initialPosition: w.journal.lastPosition() + 1, agent: s.agent, log: (m) => t.comment(m), reconnectPeriodMs: 200,
  })) as RunningMqtt;
  t.teardown(() => mqtt.close());
  await waitFor(() => mqtt.inbox?.subscribed === true, { timeoutMs: 20_000, message: 'the node to subscribe', intervalMs: 25 });
  t.equal(mqtt.inbox?.protocolVersion, 5, 'the node speaks MQTT 5 to mosquitto');

  const phone: MqttClient = connect(broker.url, { protocolVersion: 5, reconnectPeriod: 200 });
  t.teardown(() => phone.endAsync(true));
  await new Promise<void>((r) => phone.once('connect', () => r()));
  const got: Array<{ topic: string; payload: string; correlation?: string }> = [];
  phone.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), ...(packet.properties?.correlationData ? { correlation: packet.properties.correlationData.toString() } : {}) }));
  await phone.subscribeAsync(['phone/replies', 'smollama/kitchen/answers'], { qos: 1 });

  w.fake.script(
    { toolCalls: [{ name: 'read_source', arguments: { source: 'system.cpu_temp' } }] },
    (req) => ({ content: `The CPU is at ${(JSON.parse(req.messages.at(-1)!.content) as { value: number }).value} °C.` }),
  );
  await phone.publishAsync('smollama/kitchen/ask', 'How warm is the CPU?', { qos: 1, properties: { responseTopic: 'phone/replies', correlationData: Buffer.from('req-42') } });
  await waitFor(() => got.length >= 1, { timeoutMs: 20_000, message: 'the answer', intervalMs: 25 });
  t.equal(got[0]!.topic, 'phone/replies', 'the answer went to the response topic');
  t.equal(got[0]!.correlation, 'req-42', 'with the correlation data');
  t.match(JSON.parse(got[0]!.payload), { question: 'How warm is the CPU?', answer: 'The CPU is at 48.2 °C.', toolCalls: 1 });

  // mosquitto_rr: the request/response client people will use from a shell.
  w.fake.script({ content: 'All quiet.' });
  const rr = spawn(MOSQUITTO_RR, ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'smollama/kitchen/ask', '-e', 'shell/replies', '-m', 'Anything new?', '-W', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  rr.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => rr.on('exit', resolve));
  t.equal(code, 0, 'mosquitto_rr got its response');
  t.match(JSON.parse(out), { question: 'Anything new?', answer: 'All quiet.' });
  t.notOk(got.some((m) => m.topic === 'smollama/kitchen/answers'), 'nothing went to the fallback answers topic');

  await phone.publishAsync('zigbee2mqtt/hall', JSON.stringify({ temperature: 19.25, linkquality: 80 }), { qos: 1 });
  const values = async () => {
    const out: Array<Record<string, number>> = [];
    for await (const e of w.journal.read({ types: ['reading.sampled'] })) out.push((e.event.data as { values: Record<string, number> }).values);
    return out;
  };
  await waitFor(async () => (await values()).some((v) => v['mqtt.hall_temp'] === 19.25), { timeoutMs: 20_000, intervalMs: 25, message: 'the device reading' });
  t.pass('a device message through mosquitto became a reading');
});
