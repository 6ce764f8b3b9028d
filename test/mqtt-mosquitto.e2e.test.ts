import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MqttPublisher } from '../adapters/mqtt/publisher.js';
import { firstOccurrences } from './helpers/mqtt-listener.js';
import { missingProgram } from './helpers/required-program.js';
import { tempDir } from './helpers/temp-dir.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const SUB = '/usr/bin/mosquitto_sub';
const skip = missingProgram(MOSQUITTO, 'apt-get install -y --no-install-recommends mosquitto') ?? missingProgram(SUB, 'apt-get install -y --no-install-recommends mosquitto-clients');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Debian's mosquitto on a free loopback port, with the settings of deploy/mosquitto.conf and persistence, so a restart keeps sessions. */
async function mosquitto(t: Test) {
  const dir = tempDir(t, 'smollama-mosquitto-');
  // Run as root, mosquitto drops to its own user: it must be able to write its database here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_queued_messages 0', 'max_inflight_messages 0', 'persistence true', `persistence_location ${dir}/`, ''].join('\n'));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitForPort(port);
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  };
  await start();
  t.teardown(stop);
  return { port, url: `mqtt://127.0.0.1:${port}`, start, stop };
}

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
