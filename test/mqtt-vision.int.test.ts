import t, { type Test } from 'tap';
import { connect } from 'mqtt';
import sharp from 'sharp';
import { join } from 'node:path';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { createRegistry } from '../core/events/default-registry.js';
import { openObjects, visionProjection, type VisionState } from '../projections/vision.js';
import type { CameraStatus, VisionService } from '../core/vision/vision-service.js';
import { ErrorCodes, SmolError } from '../core/errors.js';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { startMqtt, type RunningMqtt } from '../adapters/mqtt/start-mqtt.js';
import type { VisionCameraEntity } from '../adapters/mqtt/vision-discovery.js';
import type { FrigateEvent } from '../adapters/mqtt/vision-frigate.js';
import { mosquitto, mosquittoMissing } from './helpers/mosquitto.js';
import { MqttListener } from './helpers/mqtt-listener.js';
import { mqttTestSettings } from './helpers/mqtt-settings.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor, waitForValue } from './helpers/wait-for.js';

// Issue 13, item 4: vision on MQTT and in Home Assistant, against Debian's mosquitto (one broker for the file).
const skip = mosquittoMissing([]);

const PERSON = { camera: 'front', label: 'person', score: 0.7, topScore: 0.7, box: { x: 0.1, y: 0.2, w: 0.2, h: 0.5 }, zones: [], startedAtMs: 1_700_000_000_000 };

/** The retained messages under `filter` as bytes (snapshots are JPEG): subscribe, then a probe marks the end of the retained ones. */
async function retainedBytes(url: string, filter: string): Promise<Map<string, Buffer>> {
  const client = connect(url, { protocolVersion: 4, reconnectPeriod: 0 });
  try {
    const got = new Map<string, Buffer>();
    let probed = false;
    client.on('message', (topic, payload, packet) => {
      if (topic === 'smollama-test/vision-probe') probed = true;
      else if (packet.retain && payload.length > 0) got.set(topic, Buffer.from(payload));
    });
    await new Promise<void>((resolve, reject) => (client.once('connect', () => resolve()), client.once('error', reject)));
    await client.subscribeAsync([filter, 'smollama-test/vision-probe'], { qos: 1 });
    await client.publishAsync('smollama-test/vision-probe', 'x', { qos: 1 });
    await waitFor(() => probed, { timeoutMs: 5000, message: 'the probe to come back' });
    return got;
  } finally {
    await client.endAsync(true);
  }
}

/** A frame as a camera gives it: a real JPEG. */
const frame = (r: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 90, b: 40 } } }).jpeg().toBuffer();

/** The running vision unit's service as far as MQTT uses it, backed by a real snapshot store. */
function visionService(store: SnapshotStore, cameras: () => CameraStatus[] = () => []): VisionService {
  return {
    cameras,
    look: () => Promise.reject(new SmolError(ErrorCodes.CAMERA_UNAVAILABLE, 'no camera in this test')),
    snapshot: (sha256, variant) => store.get(sha256, variant),
    memory: () => ({ modelsLoaded: false }),
  };
}

const broker = skip ? undefined : await mosquitto(t, { persistence: false });

async function node(t: Test, name: string) {
  const dir = tempDir(t);
  const journal = await openMemoryJournal();
  t.teardown(() => journal.close());
  const store = await SnapshotStore.open({ dir: join(dir, 'snapshots'), maxBytes: 1 << 20 });
  return { dir, journal, store, name };
}

async function start(t: Test, n: { dir: string; journal: LevelJournal; name: string }, cameras: VisionCameraEntity[], service: VisionService | undefined, currentOpen?: () => Promise<readonly unknown[]>): Promise<RunningMqtt> {
  const running = await startMqtt({
    settings: mqttTestSettings({ url: broker!.url, username: '', password: '' }),
    journal: n.journal,
    dataDir: n.dir,
    node: { name: n.name, role: 'alpaca', software: 'test' },
    initialPosition: 1,
    vision: { cameras, service: () => service, snapshotPollMs: 100, ...(currentOpen ? { currentOpen: currentOpen as never } : {}) },
    log: () => undefined,
    reconnectPeriodMs: 100,
  });
  t.teardown(() => running?.close());
  await waitFor(() => running!.publisher.connected, { timeoutMs: 10_000, message: 'the publisher to connect' });
  return running!;
}

const payloads = (l: MqttListener, topic: string) => l.messages.filter((m) => m.topic === topic).map((m) => m.payload);

t.test('each vision.detected is a Frigate-style event with before and after; counts go 0, 1, 0; the snapshot is retained', { skip: skip ?? false }, async (t) => {
  const n = await node(t, 'porch');
  const listener = await MqttListener.open(broker!.url, ['smollama/porch/vision/#']);
  t.teardown(() => listener.close());
  const running = await start(t, n, [{ name: 'front', labels: ['person', 'car'] }], visionService(n.store));
  const count = 'smollama/porch/vision/front/person';
  await listener.until(() => payloads(listener, count).includes('0'), 10_000, 'the count 0 at connect');

  const jpeg = await n.store.put(await frame(200), [PERSON.box]);
  await n.journal.append([{ type: 'vision.detected', data: { ...PERSON, objectId: '1', phase: 'new' } }]);
  await n.journal.append([{ type: 'vision.detected', data: { ...PERSON, objectId: '1', phase: 'update', score: 0.9, topScore: 0.9, box: { x: 0.4, y: 0.2, w: 0.2, h: 0.5 }, zones: ['porch'], snapshot: jpeg.sha256 } }]);
  await n.journal.append([{ type: 'vision.detected', data: { ...PERSON, objectId: '1', phase: 'end', score: 0.8, topScore: 0.9, box: { x: 0.4, y: 0.2, w: 0.2, h: 0.5 }, zones: ['porch'], snapshot: jpeg.sha256 } }]);
  const events = 'smollama/porch/vision/events';
  await listener.until(() => payloads(listener, events).length === 3, 10_000, 'three Frigate-style events');
  const [created, updated, ended] = payloads(listener, events).map((p) => JSON.parse(p) as FrigateEvent);
  t.match(created, { type: 'new', before: null, after: { id: 'front-1', camera: 'front', label: 'person', score: 0.7, top_score: 0.7, box: [0.1, 0.2, 0.3, 0.7], current_zones: [], start_time: 1_700_000_000, end_time: null, has_snapshot: false, snapshot: null } });
  t.match(updated, { type: 'update', before: { score: 0.7, box: [0.1, 0.2, 0.3, 0.7], current_zones: [] }, after: { score: 0.9, top_score: 0.9, box: [0.4, 0.2, 0.6, 0.7], current_zones: ['porch'], entered_zones: ['porch'], has_snapshot: true, snapshot: jpeg.sha256 } });
  t.match(ended, { type: 'end', before: { score: 0.9, current_zones: ['porch'], end_time: null }, after: { score: 0.8, top_score: 0.9, current_zones: [], entered_zones: ['porch'] } });
  t.type(ended!.after.end_time, 'number', 'an ended object has its end time');
  t.ok(listener.messages.filter((m) => m.topic === events).every((m) => m.qos === 1 && !m.retain), 'events at QoS 1, not retained');

  await listener.until(() => payloads(listener, count).join() === '0,1,0', 10_000, 'the count 0, 1, 0');
  t.same(payloads(listener, `${count}/occupancy`), ['OFF', 'ON', 'OFF'], 'occupancy OFF, ON, OFF');
  t.same(payloads(listener, 'smollama/porch/vision/front/car'), ['0'], 'another label stays 0');
  await waitFor(() => running.publisher.position === n.journal.lastPosition(), { timeoutMs: 10_000, message: 'the stream to acknowledge every event' });

  const snapshot = await waitForValue(async () => (await retainedBytes(broker!.url, 'smollama/porch/vision/front/snapshot')).get('smollama/porch/vision/front/snapshot'), { timeoutMs: 10_000, intervalMs: 100, message: 'the retained snapshot' });
  t.ok(snapshot.equals((await n.store.get(jpeg.sha256, 'image'))!), "the retained snapshot is the store's JPEG, byte for byte");

  const configs = await retainedBytes(broker!.url, 'homeassistant/#');
  const config = (c: string, id: string) => JSON.parse(configs.get(`homeassistant/${c}/smollama_porch_vision_${id}/config`)?.toString() ?? 'null') as Record<string, unknown> | null;
  t.match(config('binary_sensor', 'front_person_occupancy'), { device_class: 'occupancy', state_topic: `${count}/occupancy`, payload_on: 'ON', payload_off: 'OFF', availability_topic: 'smollama/porch/status' });
  t.match(config('sensor', 'front_car_count'), { state_class: 'measurement', state_topic: 'smollama/porch/vision/front/car' });
  t.match(config('image', 'front_snapshot'), { image_topic: 'smollama/porch/vision/front/snapshot', content_type: 'image/jpeg' });
  t.equal(config('binary_sensor', 'front_person_occupancy')?.unique_id, 'smollama_porch_vision_front_person_occupancy');
});

t.test('after a restart with a person in view the count is 1 at once; removed cameras and labels leave nothing retained', { skip: skip ?? false }, async (t) => {
  const n = await node(t, 'yard');
  const first = await start(t, n, [{ name: 'gate', labels: ['person', 'car'] }, { name: 'garage', labels: ['car'] }], visionService(n.store));
  await n.journal.append([{ type: 'vision.detected', data: { ...PERSON, camera: 'gate', objectId: '7', phase: 'new' } }]);
  const retainedNow = () => retainedBytes(broker!.url, '#');
  await waitFor(async () => (await retainedNow()).get('smollama/yard/vision/gate/person')?.toString() === '1', { timeoutMs: 10_000, intervalMs: 100, message: 'the count 1' });
  t.ok((await retainedNow()).has('homeassistant/image/smollama_yard_vision_garage_snapshot/config'), 'the garage is announced');
  await first.close();
  // As if the broker had lost its retained messages while the node was down.
  const lose = connect(broker!.url, { protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve) => lose.once('connect', () => resolve()));
  await lose.publishAsync('smollama/yard/vision/gate/person', '', { qos: 1, retain: true });
  await lose.endAsync();

  const runner = new ProjectionRunner(n.journal, visionProjection, createRegistry());
  await runner.start();
  t.teardown(() => runner.stop());
  const open = async () => (await runner.caughtUp(), openObjects(runner.state as VisionState, n.journal.nodeId));
  t.equal((await open()).length, 1, 'the projection has the person open');
  const later = await n.store.put(await frame(30), []);
  const cameras = () => [{ name: 'gate', describe: 'dir /tmp', state: 'ok', frames: 1, inferences: 1, skippedStill: 0, occupancy: { person: 1 }, latestSnapshot: later.sha256 }] as CameraStatus[];
  const position = n.journal.lastPosition();
  await start(t, n, [{ name: 'gate', labels: ['person'] }], visionService(n.store, cameras), open);
  await waitFor(async () => (await retainedNow()).get('smollama/yard/vision/gate/person')?.toString() === '1', { timeoutMs: 10_000, intervalMs: 100, message: 'the count 1 after the restart' });
  t.equal(n.journal.lastPosition(), position, 'from the projection, with no new event');
  t.equal((await retainedNow()).get('smollama/yard/vision/gate/person/occupancy')?.toString(), 'ON');

  const gone = await waitForValue(async () => {
    const r = await retainedNow();
    const left = [...r.keys()].filter((k) => k.includes('garage') || k.includes('gate_car') || k.includes('gate/car'));
    return left.length === 0 ? r : undefined;
  }, { timeoutMs: 10_000, intervalMs: 100, message: 'the removed camera and label cleared' });
  t.ok(gone.has('homeassistant/binary_sensor/smollama_yard_vision_gate_person_occupancy/config'), 'the kept entities stay');
  const snapshot = await waitForValue(async () => (await retainedNow()).get('smollama/yard/vision/gate/snapshot'), { timeoutMs: 10_000, intervalMs: 100, message: "the camera's latest snapshot (a look, no event)" });
  t.ok(snapshot.equals((await n.store.get(later.sha256, 'image'))!), 'the latest snapshot the vision unit reports is retained');
});

t.test('damaged events, newer versions and unknown cameras do not stop the stream', { skip: skip ?? false }, async (t) => {
  const n = await node(t, 'shed');
  const listener = await MqttListener.open(broker!.url, ['smollama/shed/vision/#']);
  t.teardown(() => listener.close());
  const running = await start(t, n, [{ name: 'front', labels: ['person'] }], undefined);
  await n.journal.append([
    { type: 'vision.detected', data: { camera: 'front', phase: 'new' } },
    { type: 'vision.detected', data: 'garbage' },
    { type: 'vision.detected', v: 2, data: { ...PERSON, objectId: '1', phase: 'new' } },
    { type: 'vision.detected', data: { ...PERSON, objectId: '2', phase: 'end' } },
    { type: 'vision.detected', data: { ...PERSON, camera: 'attic', objectId: '3', phase: 'new', snapshot: 'a'.repeat(64) } },
    { type: 'vision.detected', data: { ...PERSON, objectId: '4', phase: 'new', snapshot: 'b'.repeat(64) } },
  ]);
  await waitFor(() => running.publisher.position === n.journal.lastPosition(), { timeoutMs: 10_000, message: 'the stream past the bad events' });
  await listener.until(() => payloads(listener, 'smollama/shed/vision/front/person').includes('1'), 10_000, 'the count of the good event');
  const events = payloads(listener, 'smollama/shed/vision/events').map((p) => JSON.parse(p) as FrigateEvent);
  t.same(events.map((e) => [e.type, e.after.id, e.before]), [['end', 'front-2', null], ['new', 'attic-3', null], ['new', 'front-4', null]], 'only the readable events, an end of an unknown object with before null');
  t.notOk(listener.messages.some((m) => m.topic.startsWith('smollama/shed/vision/attic/')), 'an unconfigured camera gets no counts or snapshot');
  t.ok(running.publisher.connected, 'still connected');
});
