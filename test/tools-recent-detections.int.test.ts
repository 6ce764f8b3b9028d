import t from 'tap';
import type { EventDataMap } from '../core/events/core-events.js';
import { READ_ONLY_TOOLS } from '../core/tools/read-only.js';
import { Observer } from '../core/observer/observer.js';
import { observerInputs } from '../adapters/tools/observer-inputs.js';
import { fakeOllamaWorld, T0, MIN } from './helpers/fake-ollama-world.js';

// recent_detections reads the vision projection; the observer's prompt lists this node's recent
// detections, and an observation citing a camera (vision.<camera>) is kept.

const ctx = () => ({ caller: { kind: 'api' as const }, registers: new Map<string, unknown>() });
type Detected = EventDataMap['vision.detected'];
const detected = (d: Partial<Detected> & Pick<Detected, 'objectId' | 'phase' | 'startedAtMs'>): Detected => ({
  camera: 'door', label: 'person', score: 0.8, topScore: 0.8, box: { x: 0.1, y: 0.1, w: 0.2, h: 0.5 }, zones: [], ...d,
});
const SETTINGS = { intervalMs: 15 * MIN, minIntervalMs: 5 * MIN, maxIntervalMs: 60 * MIN, windowMs: 15 * MIN, maxObservations: 5 };

t.test('recent_detections and the observer\'s recent detections', async (t) => {
  const w = await fakeOllamaWorld(t, { now: T0 - 3 * 60 * MIN });
  await w.register([{ source: 'system.cpu_temp', unit: '°C', label: 'CPU temperature' }]);
  await w.journal.appendOne('node.started', { name: 'kitchen', role: 'alpaca', publicKey: 'pk', software: 'test' });
  const s = await w.services();
  const call = (args: Record<string, unknown>) => s.tools.call('recent_detections', args, ctx());
  const append = async (at: number, d: Detected) => {
    w.setNow(at);
    await w.journal.appendOne('vision.detected', d);
  };

  t.test('with no detections it answers an empty list', async (t) => {
    w.setNow(T0 - 2 * 60 * MIN);
    t.match(await call({}), { ok: true, result: { detections: [], counts: {} } });
  });

  // Two hours ago a car came and went; ten minutes ago a person came to the porch and is still there.
  await append(T0 - 120 * MIN, detected({ camera: 'yard', objectId: 'yard-1', phase: 'new', label: 'car', startedAtMs: T0 - 120 * MIN }));
  await append(T0 - 118 * MIN, detected({ camera: 'yard', objectId: 'yard-1', phase: 'end', label: 'car', startedAtMs: T0 - 120 * MIN }));
  await append(T0 - 10 * MIN, detected({ objectId: 'door-1', phase: 'new', zones: ['porch'], snapshot: 'e'.repeat(64), startedAtMs: T0 - 10 * MIN }));
  await append(T0 - 9 * MIN, detected({ objectId: 'door-2', phase: 'new', label: 'dog', startedAtMs: T0 - 9 * MIN }));
  await append(T0 - 6 * MIN, detected({ objectId: 'door-2', phase: 'end', label: 'dog', startedAtMs: T0 - 9 * MIN }));
  w.setNow(T0);
  await w.settle();

  t.test('it lists the last hour by default, newest first, with zones, times and the snapshot URL', async (t) => {
    const r = await call({});
    t.equal(r.ok, true);
    const res = (r as { result: { counts: Record<string, number>; detections: Array<Record<string, unknown>> } }).result;
    t.same(res.counts, { dog: 1, person: 1 });
    t.same(res.detections.map((d) => d['label']), ['dog', 'person']);
    t.match(res.detections[1], {
      camera: 'door', label: 'person', zones: ['porch'], stillThere: true, appearedAt: new Date(T0 - 10 * MIN).toISOString(),
      snapshot: `/api/vision/snapshots/${'e'.repeat(64)}`, node: 'kitchen',
    });
    t.match(res.detections[0], { stillThere: false, leftAt: new Date(T0 - 6 * MIN).toISOString() });
  });

  t.test('it filters by camera, label, minutes back and limit', async (t) => {
    const labels = async (args: Record<string, unknown>) => ((await call(args)) as { result: { detections: Array<{ label: string }> } }).result.detections.map((d) => d.label);
    t.same(await labels({ sinceMinutes: 180 }), ['dog', 'person', 'car']);
    t.same(await labels({ sinceMinutes: 180, camera: 'yard' }), ['car']);
    t.same(await labels({ label: 'person' }), ['person']);
    t.same(await labels({ limit: 1 }), ['dog']);
    t.same(await labels({ node: 'kitchen', label: 'dog' }), ['dog'], 'a node by name');
  });

  t.test('bad arguments are refused with a code, and an unknown node is not found', async (t) => {
    for (const args of [{ limit: 0 }, { sinceMinutes: -5 }, { sinceMinutes: 1.5 }, { camera: '' }, { colour: 'red' }, { limit: 51 }]) {
      t.match(await call(args), { ok: false, error: { code: 'SMOL_TOOL_ARGS_INVALID' } }, JSON.stringify(args));
    }
    t.match(await call({ node: 'nowhere' }), { ok: false, error: { code: 'SMOL_NOT_FOUND' } });
  });

  t.test('it is a read-only tool', async (t) => {
    t.ok(READ_ONLY_TOOLS.has('recent_detections'));
  });

  t.test('the observer\'s prompt lists recent detections, and an observation citing the camera is kept', async (t) => {
    w.fake.script({ content: JSON.stringify({ observations: [{ text: 'A person has been at the front door porch for 10 minutes.', kind: 'state', confidence: 0.7, sources: ['vision.door'] }], memories: [] }) });
    const observer = new Observer({ journal: w.journal, inputs: observerInputs(w.views), llm: w.llm, embedder: w.embedder, nodeName: 'kitchen', settings: SETTINGS, now: w.now });
    const run = await observer.runOnce();
    t.equal(run.method, 'llm', 'the camera is a known source');
    const prompt = w.fake.chatRequests().at(-1)!.messages[1]!.content;
    t.match(prompt, /Recent detections/);
    t.match(prompt, /- vision\.door: dog, came 9 min ago, left 6 min ago/);
    t.match(prompt, /- vision\.door: person in porch, came 10 min ago, still there/);
    t.notMatch(prompt, /car/, 'what left before the window is not listed');
  });
});
