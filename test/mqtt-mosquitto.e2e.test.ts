import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { connect } from 'mqtt';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MqttPublisher } from '../adapters/mqtt/publisher.js';
import { firstOccurrences } from './helpers/mqtt-listener.js';
import { MOSQUITTO_SUB as SUB, mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const skip = mosquittoMissing();

const PROBE = 'smollama-test/probe';

/**
 * mosquitto_sub printing "topic payload" lines; a fixed id and -c keep its session across the
 * restart. It also subscribes to a probe topic: `subscribed()` publishes probes until one comes
 * out, so the subscription is in place (its own SUBACK log line stays in stdout's buffer when
 * stdout is a pipe). Probe lines are left out of `lines()`.
 */
function subscriber(t: Test, port: number, topic: string, extra: string[] = []) {
  const probe = extra.includes('-C') ? [] : ['-t', PROBE];
  const proc = spawn(SUB, ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-v', '-t', topic, ...probe, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(() => void proc.kill('SIGTERM'));
  const prefix = topic.replace(/[#+].*$/, '');
  const lines = () => out.split('\n').filter((l) => l.startsWith(prefix) && !l.startsWith(PROBE));
  const positions = () => lines().map((l) => (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { position: number }).position);
  const subscribed = async () => {
    const prober = connect(`mqtt://127.0.0.1:${port}`);
    try {
      const probed = async () => (await prober.publishAsync(PROBE, 'ready'), out.includes(`${PROBE} ready`));
      await waitFor(probed, { timeoutMs: 10_000, intervalMs: 50, message: `mosquitto_sub to subscribe to ${topic}` });
    } finally {
      await prober.endAsync(true);
    }
  };
  const until = (check: () => boolean, ms = 20_000, what = 'condition') =>
    waitFor(check, { timeoutMs: ms, intervalMs: 25, message: what }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; got ${lines().length} lines`);
    });
  return { proc, lines, positions, subscribed, until };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

t.test('mosquitto_sub receives the stream, and a broker restart in the middle loses nothing', { skip: skip ?? false }, async (t) => {
  const broker = await mosquitto(t);
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const sub = subscriber(t, broker.port, 'smollama/kitchen/events/#', ['-c', '-i', 'smollama-test-sub']);
  await sub.subscribed();
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
