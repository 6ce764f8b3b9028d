import t from 'tap';
import type { VisionObject } from '../projections/vision.js';
import { OpenObjects, type Detected } from '../ui/src/vision-occupancy.js';

const box = { x: 0.1, y: 0.1, w: 0.2, h: 0.4 };
const ev = (objectId: string, phase: Detected['phase'], label = 'person'): Detected => ({ camera: 'porch', objectId, phase, label, score: 0.9, topScore: 0.9, box, zones: [], startedAtMs: 1 });
const obj = (objectId: string, label: string, endedAtMs?: number): VisionObject => ({
  node: 'n1', camera: 'porch', objectId, label, score: 0.9, topScore: 0.9, box, zones: [], startedAtMs: 1, lastSeenAtMs: 1, ...(endedAtMs === undefined ? {} : { endedAtMs }),
});

t.test('counts start from the open objects of the REST list and follow the stream', async (t) => {
  const open = new OpenObjects();
  open.seed([obj('1', 'person'), obj('2', 'car'), obj('0', 'person', 5)]);
  t.same(open.counts('n1', 'porch'), [['car', 1], ['person', 1]], 'the ended object does not count');
  open.apply('n1', ev('3', 'new'));
  t.same(open.counts('n1', 'porch'), [['person', 2], ['car', 1]]);
  open.apply('n1', ev('1', 'end'));
  t.same(open.counts('n1', 'porch'), [['car', 1], ['person', 1]]);
  t.same(open.counts('n2', 'porch'), [], 'another node\'s camera of the same name is another camera');
});

t.test('a REST answer that lags the stream does not bring back an object the stream ended', async (t) => {
  const open = new OpenObjects();
  open.seed([]);
  open.apply('n1', ev('7', 'new'));
  open.apply('n1', ev('7', 'end'));
  // The projection had applied the `new` but not yet the `end` when it answered.
  open.seed([obj('7', 'person')]);
  t.same(open.counts('n1', 'porch'), []);
  // An update after the end (a lying or late peer) changes nothing.
  open.apply('n1', ev('7', 'update'));
  t.same(open.of('n1', 'porch'), []);
  // And one the projection has not seen yet is kept.
  open.apply('n1', ev('8', 'new', 'dog'));
  open.seed([]);
  t.same(open.counts('n1', 'porch'), [['dog', 1]]);
});
