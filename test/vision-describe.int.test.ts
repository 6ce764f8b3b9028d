import t from 'tap';
import sharp from 'sharp';
import { SnapshotStore } from '../adapters/vision/snapshots/snapshot-store.js';
import { FrameDescriber, cleanDescription, type DescribeSettings } from '../adapters/vision/frame-describer.js';
import type { EventDataMap } from '../core/events/core-events.js';
import { listObservations, type ObservationsState } from '../projections/observations.js';
import { fakeOllamaWorld, MIN } from './helpers/fake-ollama-world.js';
import { waitFor } from './helpers/wait-for.js';

// Vision-llm observations: vision.detected events in a real (in-memory) journal, snapshots in a real
// SnapshotStore on disk, read through a small VisionService.snapshot, and a vision model on the
// scripted Ollama server through the real client.

const w = await fakeOllamaWorld(t, {
  models: ['qwen2.5:1.5b', 'all-minilm', 'moondream'],
  capabilities: { moondream: ['completion', 'vision'] },
});
const store = await SnapshotStore.open({ dir: t.testdir(), maxBytes: 8 << 20 });
const frame = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 60 } } }).jpeg().toBuffer();
const { sha256: snapshot } = await store.put(frame, [{ x: 0.2, y: 0.1, w: 0.3, h: 0.8 }]);
const stored = (await store.get(snapshot, 'image'))!;
const vision = { snapshot: (sha: string, variant: 'image' | 'thumbnail') => store.get(sha, variant) };

let pressure = false;
const logged: Array<{ key: string; fields: Record<string, unknown> }> = [];
function describer(settings: Partial<DescribeSettings> = {}) {
  const d = new FrameDescriber({
    journal: w.journal, vision: () => vision, llm: w.llm, embedder: w.embedder, nodeName: 'kitchen', now: w.now,
    settings: { model: 'moondream', labels: ['person'], minIntervalMs: 5 * MIN, ...settings },
    paused: () => pressure,
    log: (_level, key, fields) => logged.push({ key, fields }),
  });
  d.start();
  t.teardown(() => d.stop());
  return d;
}

let objects = 0;
async function detected(over: Partial<EventDataMap['vision.detected']> = {}) {
  await w.journal.appendOne('vision.detected', {
    camera: 'porch', objectId: `o${++objects}`, phase: 'new', label: 'person', score: 0.8, topScore: 0.86,
    box: { x: 0.2, y: 0.1, w: 0.3, h: 0.8 }, zones: [], snapshot, startedAtMs: w.now(), ...over,
  });
}
async function visionObservations() {
  const out: EventDataMap['observation.recorded'][] = [];
  for await (const e of w.journal.read({ types: ['observation.recorded'] })) out.push(e.event.data as EventDataMap['observation.recorded']);
  return out;
}

const d = describer();

t.test('a new person with a snapshot is described once, as a vision-llm observation that names the snapshot', async (t) => {
  w.fake.script({ content: '  "A person in a green coat stands at the door, holding a parcel."  ' });
  await detected();
  await waitFor(() => d.status().described === 1, { message: 'the description' });
  const req = w.fake.chatRequests().at(-1)!;
  t.equal(req.model, 'moondream');
  t.same(req.messages.at(-1)!.images, [stored.toString('base64')], 'the stored snapshot reached the model');
  t.equal(req.tools, undefined);
  const [o] = await visionObservations();
  t.match(o, {
    text: 'A person in a green coat stands at the door, holding a parcel.', kind: 'state', method: 'vision-llm', model: 'moondream', confidence: 0.86,
    image: { camera: 'porch', snapshot, objectId: 'o1', label: 'person' },
  });
  let v;
  for await (const e of w.journal.read({ types: ['observation.recorded'] })) v = e.event.v;
  t.equal(v, 2, 'journaled as observation.recorded v2');
  await w.settle();
  const rows = await listObservations(w.runners.get('observations')!.store, { method: 'vision-llm' });
  t.equal(rows.length, 1, 'the observations projection lists it');
  t.equal((w.runners.get('observations')!.state as ObservationsState).byOrigin[w.journal.nodeId]?.['vision-llm'], 1);
});

t.test('per camera at most once per minIntervalMs; other labels, updates and snapshot-less objects are not described', async (t) => {
  const chats = w.fake.chatRequests().length;
  await detected({ label: 'car' });
  await detected({ phase: 'update' });
  await w.journal.appendOne('vision.detected', { camera: 'porch', objectId: 'x', phase: 'new', label: 'person', score: 0.9, topScore: 0.9, box: { x: 0, y: 0, w: 0.5, h: 0.5 }, zones: [], startedAtMs: w.now() });
  await detected(); // porch again, too soon
  await waitFor(() => d.status().skipped.interval === 1, { message: 'the early one skipped' });
  t.equal(w.fake.chatRequests().length, chats, 'the model was not asked');

  w.fake.script({ content: 'Someone walks past the garden gate.' });
  await detected({ camera: 'garden' });
  await waitFor(() => d.status().described === 2, { message: "the other camera's description" });

  w.setNow(w.now() + 5 * MIN);
  w.fake.script({ content: 'The porch is empty but for a person at the bench.' });
  await detected();
  await waitFor(() => d.status().described === 3, { message: 'porch again, after its interval' });
  t.same((await visionObservations()).map((o) => o.image?.camera), ['porch', 'garden', 'porch']);
});

t.test('a failing model, an empty answer and memory pressure journal nothing; a failure is logged with its code', async (t) => {
  const before = (await visionObservations()).length;
  w.setNow(w.now() + 5 * MIN);
  w.fake.script({ status: 400, error: 'model runner crashed' });
  await detected();
  await waitFor(() => d.status().failed === 1, { message: 'the failure' });
  t.match(logged.at(-1), { key: 'describe|SMOL_LLM_UNREACHABLE', fields: { code: 'SMOL_LLM_UNREACHABLE', camera: 'porch', model: 'moondream' } });
  t.equal(d.status().lastError?.code, 'SMOL_LLM_UNREACHABLE');

  w.setNow(w.now() + 5 * MIN);
  w.fake.script({ content: '   ' });
  await detected();
  await waitFor(() => d.status().failed === 2, { message: 'the empty answer' });
  t.equal(logged.at(-1)?.key, 'describe|SMOL_LLM_BAD_OUTPUT');

  w.setNow(w.now() + 5 * MIN);
  pressure = true;
  const chats = w.fake.chatRequests().length;
  await detected();
  await waitFor(() => d.status().skipped.pressure === 1, { message: 'skipped under pressure' });
  pressure = false;
  t.equal(w.fake.chatRequests().length, chats, 'not asked under memory pressure');
  t.equal((await visionObservations()).length, before, 'nothing journaled');
});

t.test('a model that cannot see is not asked: SMOL_LLM_NO_VISION is logged', async (t) => {
  const blind = describer({ model: 'qwen2.5:1.5b' });
  const chats = w.fake.chatRequests().length;
  const described = d.status().described;
  w.setNow(w.now() + 5 * MIN);
  w.fake.script({ content: 'A shed door, ajar.' });
  await detected({ camera: 'shed' });
  await waitFor(() => blind.status().failed === 1, { message: 'the refusal' });
  t.equal(blind.status().lastError?.code, 'SMOL_LLM_NO_VISION');
  t.match(blind.status().lastError?.message, /moondream/);
  await waitFor(() => d.status().described === described + 1, { message: 'the vision model described it' });
  t.equal(w.fake.chatRequests().length, chats + 1, 'only the vision model was asked (by the other describer)');
});

t.test('a description is one paragraph, without quotes, cut at a sentence end', async (t) => {
  t.equal(cleanDescription('"A cat\n\non a   mat."'), 'A cat on a mat.');
  const long = cleanDescription(`${'A long sentence about the scene. '.repeat(30)}`);
  t.ok(long.length <= 600 && long.endsWith('.'), `${long.length} characters, ending at a sentence`);
});
