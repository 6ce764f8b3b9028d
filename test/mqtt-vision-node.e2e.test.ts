import { join } from 'node:path';
import t from 'tap';
import sharp from 'sharp';
import { connect } from 'mqtt';
import { loadConfig } from '../adapters/config/load-config.js';
import { openNodeJournal } from '../adapters/cli/data-dir.js';
import { startNode } from '../adapters/cli/commands/start.js';
import type { Output } from '../adapters/cli/output.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import type { FrigateEvent } from '../adapters/mqtt/vision-frigate.js';
import { mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { MqttListener } from './helpers/mqtt-listener.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Issue 13, item 4, through the units: the MQTT unit takes the open objects from the node's
// `vision` projection and the snapshot bytes from the running vision unit. No frame is ever
// grabbed (the camera's directory is missing), so no model runs here.
const skip = mosquittoMissing([]);

t.test('a node with a camera announces its entities, and the end of an object a killed run left open carries its state and snapshot', { skip: skip ?? false }, async (t) => {
  const broker = await mosquitto(t, { persistence: false });
  const cwd = tempDir(t);
  const config = await loadConfig({
    cwd,
    env: { SMOLLAMA_VISION__CAMERAS: `[{name: porch, source: dir, path: ${JSON.stringify(join(cwd, 'no-such-dir'))}, labels: [person, car]}]` },
    flags: {
      port: '0',
      set: ['http.host=127.0.0.1', `mqtt.url=${broker.url}`, 'observer.enabled=false', 'sensors.system.intervalMs=60000', 'sensors.gpio.mode=simulated', 'llm.host=http://127.0.0.1:9', 'vision.enabled=true', 'log.format=json'],
    },
  });

  // A killed run left a person open, with its snapshot stored.
  const store = await SnapshotStore.open({ dir: join(config.dataDir, 'snapshots'), maxBytes: config.vision.snapshots.maxBytes });
  const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } } }).jpeg().toBuffer();
  const box = { x: 0.1, y: 0.1, w: 0.3, h: 0.6 };
  const snap = await store.put(jpeg, [box]);
  const before = await openNodeJournal(config, { warn: () => undefined });
  await before.appendOne('vision.detected', { camera: 'porch', objectId: 'killed-1', phase: 'new', label: 'person', score: 0.8, topScore: 0.8, box, zones: ['steps'], snapshot: snap.sha256, startedAtMs: 1000 });
  await before.close();

  const listener = await MqttListener.open(broker.url, ['smollama/+/vision/#', 'homeassistant/#']);
  t.teardown(() => listener.close());
  const output: Output = { out: () => undefined, err: () => undefined };
  const running = await startNode(config, output);
  t.teardown(() => running.stop('test'));
  const node = config.node.name;

  const end = await waitForValue(
    () => listener.messages.filter((m) => m.topic === `smollama/${node}/vision/events`).map((m) => JSON.parse(m.payload) as FrigateEvent).find((e) => e.type === 'end'),
    { timeoutMs: 20_000, message: 'the end of the object the killed run left open' },
  );
  t.match(end, { before: { id: 'porch-killed-1', label: 'person', current_zones: ['steps'], end_time: null, snapshot: snap.sha256 }, after: { current_zones: [], entered_zones: ['steps'] } }, 'before is the open object the projection had at start');
  await listener.until(() => listener.messages.some((m) => m.topic === `smollama/${node}/vision/porch/person` && m.payload === '0'), 10_000, 'the count 0 once it ended');

  const discovery = (component: string, id: string) => listener.messages.find((m) => m.topic === `homeassistant/${component}/smollama_${node}_vision_porch_${id}/config`);
  await listener.until(() => ['binary_sensor/person_occupancy', 'sensor/person_count', 'binary_sensor/car_occupancy', 'sensor/car_count', 'image/snapshot'].every((k) => discovery(k.split('/')[0]!, k.split('/')[1]!)), 10_000, 'five discovery configs');
  t.match(JSON.parse(discovery('image', 'snapshot')!.payload), { image_topic: `smollama/${node}/vision/porch/snapshot`, content_type: 'image/jpeg' });

  // The snapshot bytes come from the running vision unit's store: compare as bytes, on a client of our own.
  const client = connect(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => client.endAsync(true));
  const bytes: Buffer[] = [];
  client.on('message', (_topic, payload) => bytes.push(Buffer.from(payload)));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(`smollama/${node}/vision/porch/snapshot`, { qos: 1 });
  await waitFor(() => bytes.length > 0, { timeoutMs: 10_000, message: 'the retained snapshot' });
  t.ok(bytes[0]!.equals((await store.get(snap.sha256, 'image'))!), 'the retained snapshot is the stored JPEG');
});
