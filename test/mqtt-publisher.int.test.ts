import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../adapters/mqtt/embedded-broker.js';
import { MqttPublisher, type PublisherOptions } from '../adapters/mqtt/publisher.js';
import { readCursor } from '../adapters/mqtt/cursor-file.js';
import { MqttListener, firstOccurrences } from './helpers/mqtt-listener.js';
import { tempDir } from './helpers/temp-dir.js';

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function setup(t: Test) {
  const journal = await openMemoryJournal();
  const dir = tempDir(t);
  let broker: EmbeddedBroker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
  const port = broker.port;
  const closers: Array<() => Promise<void>> = [];
  t.teardown(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await broker.close().catch(() => undefined);
    await journal.close();
  });
  const publisher = async (extra: Partial<PublisherOptions> = {}) => {
    const p = await MqttPublisher.start({
      journal,
      url: broker.url,
      node: { name: 'kitchen', role: 'alpaca', software: 'test' },
      prefix: 'smollama',
      qos: 1,
      discovery: true,
      discoveryPrefix: 'homeassistant',
      cursorPath: join(dir, 'mqtt-position.json'),
      initialPosition: 1,
      reconnectPeriodMs: 100,
      ...extra,
    });
    closers.push(() => p.stop(0));
    return p;
  };
  const listen = async (topics = ['smollama/#'], options: { clientId?: string; clean?: boolean; qos?: 0 | 1 | 2 } = {}) => {
    const l = await MqttListener.open(broker.url, topics, options);
    closers.push(() => l.close());
    return l;
  };
  const restartBroker = async (whileDown: () => Promise<void> = async () => undefined) => {
    await broker.close();
    await whileDown();
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
  };
  return { journal, dir, publisher, listen, restartBroker, get broker() { return broker; } };
}

const reading = (v: number) => ({ type: 'reading.sampled', data: { values: { 'test.temp': v } } });

t.test('every event goes to smollama/<node>/events/<type> in journal order', async (t) => {
  const { journal, publisher, listen } = await setup(t);
  const l = await listen();
  await journal.append([{ type: 'node.started', data: { name: 'kitchen', role: 'alpaca', publicKey: journal.publicKey, software: 'test' } }]);
  await publisher();
  for (let i = 0; i < 50; i++) await journal.append([reading(i)]);
  await l.until(() => l.positions().length >= 51);
  t.same(l.positions(), range(1, 51));
  const started = l.messages.find((m) => m.topic === 'smollama/kitchen/events/node.started');
  t.ok(started, 'node.started on its type topic');
  t.equal(JSON.parse(started!.payload).event.type, 'node.started');
  t.ok(l.messages.some((m) => m.topic === 'smollama/kitchen/events/reading.sampled'));
});

t.test('latest readings are retained, status is retained online, and sources are announced to Home Assistant', async (t) => {
  const { journal, publisher, listen } = await setup(t);
  await journal.append([{ type: 'source.registered', data: { source: 'test.temp', provider: 'test', unit: '°C', label: 'Kitchen temperature', simulated: false } }]);
  await journal.append([reading(20.5)]);
  await journal.append([reading(21.5)]);
  const p = await publisher();
  const first = await listen(['smollama/kitchen/events/#']);
  await first.until(() => p.position === journal.lastPosition(), 10_000, 'published');
  // A subscriber that comes later gets the retained messages only.
  const late = await listen(['smollama/kitchen/readings/#', 'smollama/kitchen/status', 'homeassistant/#']);
  await late.until(() => late.messages.length >= 3);
  const byTopic = new Map(late.messages.map((m) => [m.topic, m]));
  t.same(JSON.parse(byTopic.get('smollama/kitchen/readings/test.temp')!.payload), { value: 21.5, unit: '°C', at: JSON.parse(byTopic.get('smollama/kitchen/readings/test.temp')!.payload).at, position: 3 });
  t.equal(byTopic.get('smollama/kitchen/status')?.payload, 'online');
  const config = JSON.parse(byTopic.get('homeassistant/sensor/smollama_kitchen_test_temp/config')!.payload);
  t.match(config, { name: 'Kitchen temperature', state_topic: 'smollama/kitchen/readings/test.temp', unit_of_measurement: '°C', availability_topic: 'smollama/kitchen/status', value_template: '{{ value_json.value }}' });
  t.ok(late.messages.every((m) => m.retain));
});

t.test('a connection that dies says offline through the last will; a clean stop says offline too', async (t) => {
  const { publisher, listen } = await setup(t);
  const l = await listen(['smollama/kitchen/status']);
  const p = await publisher();
  await l.until(() => l.messages.some((m) => m.payload === 'online'));
  // Cut the TCP connection without DISCONNECT: the broker publishes the will.
  (p as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
  await l.until(() => l.messages.some((m) => m.payload === 'offline'), 10_000, 'will');
  await l.until(() => l.messages.filter((m) => m.payload === 'online').length >= 2, 10_000, 'back online after reconnect');
  await p.stop();
  await l.until(() => l.messages[l.messages.length - 1]?.payload === 'offline', 10_000, 'offline on stop');
  t.pass('offline by will, online again, offline on stop');
});

t.test('the stream resumes from the saved position after a restart of the node', async (t) => {
  const { journal, publisher, listen, dir } = await setup(t);
  const l = await listen();
  const p1 = await publisher();
  for (let i = 0; i < 10; i++) await journal.append([reading(i)]);
  await l.until(() => l.positions().length >= 10);
  await p1.stop();
  t.equal(await readCursor(join(dir, 'mqtt-position.json')), 10);
  for (let i = 0; i < 10; i++) await journal.append([reading(100 + i)]); // written while not streaming
  await publisher();
  await l.until(() => l.positions().length >= 20);
  t.same(l.positions(), range(1, 20), 'no gap, no repeat');
});

t.test('while the broker is down nothing is lost: the stream resumes in order from the journal', async (t) => {
  const { journal, publisher, listen, restartBroker } = await setup(t);
  const l1 = await listen(['smollama/+/events/#']);
  const p = await publisher({ reconnectPeriodMs: 1000 });
  for (let i = 0; i < 20; i++) await journal.append([reading(i)]);
  await l1.until(() => l1.positions().length >= 20);
  await l1.close();
  let appendMs = 0;
  await restartBroker(async () => {
    const started = Date.now();
    for (let i = 0; i < 30; i++) await journal.append([reading(100 + i)]);
    appendMs = Date.now() - started;
  });
  t.ok(appendMs < 1000, `the journal did not wait for the broker (${appendMs} ms for 30 appends)`);
  // The new broker keeps no sessions: subscribe again before the publisher reconnects (1 s).
  const l2 = await listen(['smollama/+/events/#']);
  await l2.until(() => p.position === journal.lastPosition() && l2.positions().includes(50), 15_000, 'resumed');
  const after = firstOccurrences(l2.positions()).filter((n) => n > 20);
  t.same(after, range(21, 50), 'every event written during the outage arrives, in order');
  t.same(firstOccurrences(l2.positions()), [...firstOccurrences(l2.positions())].sort((a, b) => a - b), 'in journal order');
});

t.test('QoS is configurable for events, retained readings and discovery', async (t) => {
  const { journal, publisher, listen } = await setup(t);
  const l = await listen(['smollama/kitchen/events/#', 'smollama/kitchen/readings/#', 'homeassistant/#'], { qos: 2 });
  const p = await publisher({ qos: 0, readingsQos: 2, discoveryQos: 0 });
  await journal.append([{ type: 'source.registered', data: { source: 'test.temp', provider: 'test', unit: '°C', simulated: false } }]);
  await journal.append([reading(20)]);
  await l.until(() => p.position === journal.lastPosition() && l.messages.length >= 4, 10_000, 'four messages');
  const qosOf = (prefix: string) => [...new Set(l.messages.filter((m) => m.topic.startsWith(prefix)).map((m) => m.qos))];
  t.same(qosOf('smollama/kitchen/events/'), [0], 'events at QoS 0');
  t.same(qosOf('smollama/kitchen/readings/'), [2], 'readings at QoS 2');
  t.same(qosOf('homeassistant/'), [0], 'discovery at QoS 0');
});
