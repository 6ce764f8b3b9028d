import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MqttPublisher } from '../adapters/mqtt/publisher.js';
import { firstOccurrences } from './helpers/mqtt-listener.js';
import { MOSQUITTO_SUB as SUB, mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';

const skip = mosquittoMissing();

/** mosquitto_sub printing "topic payload" lines; a fixed id and -c keep its session across the restart. */
function subscriber(t: Test, port: number, topic: string, extra: string[] = []) {
  const proc = spawn(SUB, ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-v', '-t', topic, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => void proc.kill('SIGTERM'));
  const lines = () => out.split('\n').filter(Boolean);
  const positions = () => lines().map((l) => (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { position: number }).position);
  const until = async (check: () => boolean, ms = 20_000, what = 'condition') => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${lines().length} lines`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { proc, lines, positions, until };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

t.test('mosquitto_sub receives the stream, and a broker restart in the middle loses nothing', { skip: skip ?? false }, async (t) => {
  const broker = await mosquitto(t);
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const sub = subscriber(t, broker.port, 'smollama/kitchen/events/#', ['-c', '-i', 'smollama-test-sub']);
  await new Promise((r) => setTimeout(r, 300)); // let it subscribe
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
  await journal.append([{ type: 'source.registered', data: { source: 'test.temp', provider: 'test', unit: '°C', simulated: false } }]);
  for (let i = 0; i < 49; i++) await journal.append([{ type: 'reading.sampled', data: { values: { 'test.temp': 20 + i / 10 } } }]);
  await sub.until(() => sub.positions().length >= 50, 20_000, 'the first 50 events');
  t.same(sub.positions(), range(1, 50), 'mosquitto_sub got the first 50 events in order');

  await broker.stop();
  for (let i = 0; i < 50; i++) await journal.append([{ type: 'reading.sampled', data: { values: { 'test.temp': 30 + i / 10 } } }]);
  t.ok(publisher.position < journal.lastPosition(), 'events written while the broker is down wait in the journal');
  await broker.start();
  await sub.until(() => firstOccurrences(sub.positions()).length >= 100, 30_000, 'the stream after the restart');
  t.same(firstOccurrences(sub.positions()), range(1, 100), 'every event arrived, in journal order (QoS 1: a repeat is allowed)');

  const retained = subscriber(t, broker.port, 'smollama/kitchen/readings/test.temp', ['-C', '1']);
  await retained.until(() => retained.lines().length >= 1, 10_000, 'the retained reading');
  const payload = JSON.parse(retained.lines()[0]!.split(' ').slice(1).join(' ')) as { value: number; unit: string };
  t.equal(payload.value, 34.9, 'the latest reading is retained');
  t.equal(payload.unit, '°C');
});
