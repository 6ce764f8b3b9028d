import t from 'tap';
import { applyDetected, countOf, trackedOf, type TrackedObjects } from '../adapters/mqtt/vision-frigate.js';
import { visionDiscoveryOf, visionRetainedTopicsOf, visionTopicsOf } from '../adapters/mqtt/vision-discovery.js';
import { topicsOf } from '../adapters/mqtt/topics.js';

const box = { x: 0.5, y: 0.5, w: 0.25, h: 0.5 };
const person = (objectId: string, phase: 'new' | 'update' | 'end', over: Record<string, unknown> = {}) => ({ camera: 'front', objectId, phase, label: 'person', score: 0.6, topScore: 0.6, box, zones: [], startedAtMs: 10_000, ...over });

t.test('given new, update into a zone, update out of it and end, entered zones accumulate and before is the previous after', async (t) => {
  const tracked: TrackedObjects = new Map();
  const a = applyDetected(tracked, 'n1', person('1', 'new'), 10_000);
  const b = applyDetected(tracked, 'n1', person('1', 'update', { zones: ['drive'], score: 0.8, topScore: 0.8 }), 11_000);
  const c = applyDetected(tracked, 'n1', person('1', 'update', { zones: ['door'] }), 12_000);
  t.equal(countOf(tracked, 'front', 'person'), 1);
  const d = applyDetected(tracked, 'n1', person('1', 'end', { zones: ['door'] }), 40_000);
  t.equal(a.before, null);
  t.same(a.after.box, [0.5, 0.5, 0.75, 1]);
  t.equal(a.after.area, 0.125);
  t.same(b.before, a.after, 'before of the update is what new said');
  t.same(c.after.entered_zones, ['drive', 'door']);
  t.same(c.after.current_zones, ['door']);
  t.same(d.before, c.after);
  t.match(d.after, { end_time: 40, current_zones: [], entered_zones: ['drive', 'door'], start_time: 10, frame_time: 40, node: 'n1' });
  t.equal(countOf(tracked, 'front', 'person'), 0);
  t.equal(tracked.size, 0, 'nothing kept once the camera has no open object');
});

t.test('an update of an object seeded from the projection has the seeded state as before; other labels do not count', async (t) => {
  const tracked = trackedOf('n1', [{ ...person('9', 'new'), lastSeenAtMs: 20_000 }, { ...person('10', 'new'), label: 'car' }]);
  t.equal(countOf(tracked, 'front', 'person'), 1);
  t.equal(countOf(tracked, 'front', 'car'), 1);
  const u = applyDetected(tracked, 'n1', person('9', 'update', { score: 0.9, topScore: 0.9 }), 21_000);
  t.match(u.before, { id: 'front-9', score: 0.6, frame_time: 20 });
  t.equal(u.after.top_score, 0.9);
});

t.test('open objects per camera are bounded: the least recently changed go first', async (t) => {
  const tracked: TrackedObjects = new Map();
  for (let i = 0; i < 10; i++) applyDetected(tracked, 'n1', person(String(i), 'new'), 10_000 + i, 4);
  applyDetected(tracked, 'n1', person('6', 'update'), 20_000, 4);
  applyDetected(tracked, 'n1', person('10', 'new'), 20_001, 4);
  t.same([...tracked.get('front')!.keys()], ['8', '9', '6', '10']);
  t.equal(countOf(tracked, 'front', 'person'), 4);
});

t.test('topics and entities of a label with a space; without discovery only the state topics are owned', async (t) => {
  const topics = topicsOf('smollama', 'kitchen', 'homeassistant');
  const vision = visionTopicsOf('smollama', 'kitchen');
  t.equal(vision.count('back', 'traffic light'), 'smollama/kitchen/vision/back/traffic_light');
  const cameras = [{ name: 'back', labels: ['traffic light'] }];
  const messages = visionDiscoveryOf(cameras, { name: 'kitchen', nodeId: 'abc', role: 'alpaca', software: 't' }, topics, vision);
  t.same(messages.map((m) => m.topic), [
    'homeassistant/binary_sensor/smollama_kitchen_vision_back_traffic_light_occupancy/config',
    'homeassistant/sensor/smollama_kitchen_vision_back_traffic_light_count/config',
    'homeassistant/image/smollama_kitchen_vision_back_snapshot/config',
  ]);
  t.match(JSON.parse(messages[1]!.payload), { name: 'back traffic light count', state_topic: 'smollama/kitchen/vision/back/traffic_light', device: { identifiers: ['smollama_abc'] } });
  t.same(visionRetainedTopicsOf(cameras, topics, vision, false), ['smollama/kitchen/vision/back/traffic_light', 'smollama/kitchen/vision/back/traffic_light/occupancy', 'smollama/kitchen/vision/back/snapshot']);
  t.equal(visionRetainedTopicsOf(cameras, topics, vision, true).length, 6);
});
