import t from 'tap';
import { VectorsProjection } from '../adapters/vectors/vectors-projection.js';
import { MemoryService } from '../adapters/tools/memory-service.js';
import { NgramEmbedder, NGRAM_MODEL } from '../core/embeddings/ngram-embedder.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { listMemories, type MemoriesState } from '../projections/memories.js';
import { fakeOllamaWorld, T0, MIN, HOUR } from './helpers/fake-ollama-world.js';
import { tempDir } from './helpers/temp-dir.js';

const api = { kind: 'api' as const };

t.test('remember adds, confirms a near-duplicate, and forget removes from list and index', async (t) => {
  const w = await fakeOllamaWorld(t);
  const s = await w.services();
  const a = await s.memory.remember({ text: 'The greenhouse door sticks when it is cold.', kind: 'fact', confidence: 0.6, sources: [] }, api);
  t.equal(a.action, 'remembered');
  const b = await s.memory.remember({ text: 'The greenhouse door sticks when it is cold!', kind: 'fact', confidence: 0.8, sources: [] }, api);
  t.match(b, { action: 'confirmed', memoryId: a.memoryId });
  const c = await s.memory.remember({ text: 'The greenhouse door sticks when it is very cold', kind: 'fact', confidence: 0.8, sources: [] }, api);
  t.equal(c.action, 'confirmed', 'similar enough (embedding) to confirm');
  t.ok(c.similarity! >= 0.9 && c.similarity! < 1);
  const d = await s.memory.remember({ text: 'The cat sleeps on the boiler at night.', kind: 'fact', confidence: 0.8, sources: [] }, api);
  t.equal(d.action, 'remembered');
  const mems = listMemories(w.views.runner<MemoriesState>('memories').state);
  t.equal(mems.length, 2);
  const door = mems.find((m) => m.id === a.memoryId)!;
  t.equal(door.confirmations, 2);
  t.ok(door.confidence > 0.6, `confirmation raised confidence to ${door.confidence.toFixed(2)}`);

  await s.memory.forget(a.memoryId, 'fixed the door', api);
  t.equal(listMemories(w.views.runner<MemoriesState>('memories').state).length, 1);
  const hits = await s.memory.recall({ query: 'greenhouse door', limit: 5 });
  t.notOk(hits.some((h) => h.id === a.memoryId), 'a forgotten memory is not recalled');
  await t.rejects(s.memory.forget(a.memoryId, 'again', api), { code: 'SMOL_NOT_FOUND' });
});

t.test('recall is hybrid and filters by type, kind, node and time', async (t) => {
  const w = await fakeOllamaWorld(t, { now: T0 - 3 * HOUR });
  const s = await w.services();
  await s.memory.remember({ text: 'The basement floods when it rains for days.', kind: 'fact', confidence: 0.9, sources: [] }, api);
  w.setNow(T0 - 2 * HOUR);
  await s.memory.observe({ text: 'Basement humidity rose to 85 % after the rain.', kind: 'trend', confidence: 0.8, sources: ['basement.humidity'] }, api);
  w.setNow(T0 - HOUR);
  await s.memory.observe({ text: 'CPU temperature steady at 45 °C.', kind: 'state', confidence: 0.8, sources: ['system.cpu_temp'] }, api);
  // An observation from another node, as sync would bring it.
  const peer = await openLevelJournal(tempDir(t), { clock: { now: () => T0 - 30 * MIN } });
  t.teardown(() => peer.close());
  const ng = new NgramEmbedder();
  await peer.appendOne('observation.recorded', {
    text: 'Garage humidity high after the rain.', kind: 'anomaly', confidence: 0.7, sources: ['garage.humidity'], method: 'statistical', model: null,
    window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding('all-minilm', ng.embedOne('Garage humidity high after the rain.')),
  });
  const raw = [];
  for await (const e of peer.readOrigin(peer.nodeId, 1)) raw.push({ origin: peer.nodeId, body: e.body });
  await w.journal.ingest(raw);
  w.setNow(T0);

  const all = await s.memory.recall({ query: 'humidity after rain', limit: 10 });
  t.same(all.slice(0, 2).map((h) => h.text).sort(), ['Basement humidity rose to 85 % after the rain.', 'Garage humidity high after the rain.']);
  t.ok(all[0]!.similarity !== undefined && all[0]!.score > 0);
  const local = await s.memory.recall({ query: 'humidity after rain', limit: 10, origins: [w.journal.nodeId] });
  t.notOk(local.some((h) => h.origin !== w.journal.nodeId), 'node filter');
  t.same((await s.memory.recall({ query: 'rain', types: ['memory'], limit: 10 })).map((h) => h.type), ['memory'], 'type filter');
  t.same((await s.memory.recall({ query: 'humidity', kind: 'anomaly', limit: 10 })).map((h) => h.kind), ['anomaly'], 'kind filter');
  const recent = await s.memory.recall({ query: 'humidity temperature rain basement', from: T0 - 90 * MIN, limit: 10 });
  t.ok(recent.every((h) => Date.parse(h.at) >= T0 - 90 * MIN) && recent.length > 0, 'time filter');
  const words = await s.memory.recall({ query: 'floods', limit: 3 });
  t.equal(words[0]?.text, 'The basement floods when it rains for days.', 'an exact word finds it');
});

t.test('one index per (model, dim); a query is embedded with each index\'s model', async (t) => {
  const w = await fakeOllamaWorld(t);
  const s = await w.services();
  await s.memory.remember({ text: 'Solar panel output peaks at noon.', kind: 'fact', confidence: 0.9, sources: [] }, api);
  await w.fake.close(); // Ollama goes away: new texts are embedded offline
  await s.memory.remember({ text: 'Wind turbine stops above 25 m/s.', kind: 'fact', confidence: 0.9, sources: [] }, api);
  t.same(s.vectors.store.list().map((i) => `${i.model}#${i.dim}:${i.size}`).sort(), [`all-minilm#384:1`, `${NGRAM_MODEL}#384:1`]);
  const hits = await s.memory.recall({ query: 'wind turbine', limit: 5 });
  t.equal(hits[0]?.text, 'Wind turbine stops above 25 m/s.', 'the offline index answers while Ollama is down');
});

t.test('the vector index persists with its checkpoint and is rebuilt from events without any model call', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(`${dir}/journal`);
  t.teardown(() => journal.close());
  const registry = createRegistry();
  const ng = new NgramEmbedder();
  const texts = Array.from({ length: 300 }, (_, i) => `observation number ${i} about sensor ${i % 7} reading ${i * 3}`);
  for (let i = 0; i < texts.length; i += 50) {
    await journal.append(texts.slice(i, i + 50).map((text) => ({
      type: 'observation.recorded',
      data: { text, kind: 'state', confidence: 0.5, sources: [], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(NGRAM_MODEL, ng.embedOne(text)) },
    })));
  }
  const v1 = new VectorsProjection(journal, registry, { dir: `${dir}/vectors`, params: { m: 16, efConstruction: 64, efSearch: 64, initialCapacity: 16, shards: 2 } });
  await v1.start();
  await v1.caughtUp();
  t.equal(v1.store.list()[0]!.size, 300);
  t.ok(v1.store.list()[0]!.capacity >= 300, 'grew with resizeIndex from 16');
  const q = ng.embedOne(texts[42]!);
  const before = v1.search(NGRAM_MODEL, 384, q, 3).map((h) => h.meta.id);
  await v1.stop();

  const v2 = new VectorsProjection(journal, registry, { dir: `${dir}/vectors` });
  await v2.start();
  t.equal(v2.position, journal.lastPosition(), 'loaded at its checkpoint, nothing to replay');
  t.same(v2.search(NGRAM_MODEL, 384, q, 3).map((h) => h.meta.id), before);
  await v2.rebuild();
  await v2.caughtUp();
  t.equal(v2.store.list()[0]!.size, 300, 'rebuilt from the journal alone');
  t.equal(v2.search(NGRAM_MODEL, 384, q, 1)[0]!.meta.id, before[0]);
  await v2.stop();
});

t.test('memory confirmations and forgets replay to the same state', async (t) => {
  const w = await fakeOllamaWorld(t);
  const s = await w.services();
  const a = await s.memory.remember({ text: 'Router reboots at 3 am.', kind: 'fact', confidence: 0.5, sources: [] }, api);
  await s.memory.remember({ text: 'router reboots at 3 am', kind: 'fact', confidence: 0.5, sources: [] }, api);
  const runner = w.views.runner<MemoriesState>('memories');
  const live = structuredClone(runner.state);
  await runner.rebuild();
  await runner.caughtUp();
  t.same(runner.state, live);
  t.equal(runner.state.memories[a.memoryId]!.confirmations, 1);
});

t.test('index files ahead of the journal are dropped and rebuilt', async (t) => {
  const dir = tempDir(t);
  const registry = createRegistry();
  const ng = new NgramEmbedder();
  const obs = (text: string) => ({ type: 'observation.recorded', data: { text, kind: 'state', confidence: 0.5, sources: [], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(NGRAM_MODEL, ng.embedOne(text)) } });
  const big = await openLevelJournal(`${dir}/big`);
  await big.append([obs('one'), obs('two'), obs('three')]);
  const v = new VectorsProjection(big, registry, { dir: `${dir}/vectors` });
  await v.start();
  await v.caughtUp();
  await v.stop();
  await big.close();
  const small = await openLevelJournal(`${dir}/small`);
  t.teardown(() => small.close());
  await small.append([obs('alpha')]);
  const again = new VectorsProjection(small, registry, { dir: `${dir}/vectors` });
  await again.start();
  await again.caughtUp();
  t.same(again.store.list().map((i) => i.size), [1], 'only what this journal holds');
  await again.stop();
});

t.test('embeddings travel as little-endian float32 base64 and come back exactly', async (t) => {
  const { decodeEmbedding, StoredEmbeddingSchema } = await import('../core/embeddings/vector-codec.js');
  const v = [0.5, -0.25, 1 / 3, 1e-7, -0];
  const e = encodeEmbedding('m', v);
  t.same(Buffer.from(e.vector, 'base64').readFloatLE(8), Math.fround(1 / 3), 'little-endian on the wire');
  t.same(decodeEmbedding(e), v.map(Math.fround));
  t.ok(StoredEmbeddingSchema.safeParse(e).success);
  t.notOk(StoredEmbeddingSchema.safeParse({ ...e, dim: 6 }).success, 'a vector that does not match its dim is invalid');
});
