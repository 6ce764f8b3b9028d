import t from 'tap';
import { EvictionQueue } from '../adapters/vectors/eviction-queue.js';
import { VectorStore, coverageNote } from '../adapters/vectors/vector-store.js';
import type { VectorMeta } from '../adapters/vectors/hnsw-index.js';
import { loadConfig } from '../adapters/config/load-config.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { centredRandom, unitLength } from './helpers/prng.js';
import { tempDir } from './helpers/temp-dir.js';

const DIM = 8;
const next = centredRandom(5);
const vector = () => unitLength(Array.from({ length: DIM }, next));
const params = { m: 8, efConstruction: 16, efSearch: 16, initialCapacity: 4, shards: 2 };
const meta = (id: string, type: VectorMeta['type'], at: number): VectorMeta => ({ id, type, origin: 'n', at, kind: 'k' });
const ids = (store: VectorStore) => [...store.index('m', DIM)!.live()].map((m) => m.id).sort();

t.test('the eviction order: observations before memories, then the oldest, then the smaller id; a forgotten one leaves the queue', async (t) => {
  const q = new EvictionQueue();
  q.push({ id: 'm1', type: 'memory', at: 1, key: 'k' });
  q.push({ id: 'o9', type: 'observation', at: 9, key: 'k' });
  q.push({ id: 'o5b', type: 'observation', at: 5, key: 'k' });
  q.push({ id: 'o5a', type: 'observation', at: 5, key: 'k' });
  q.push({ id: 'o7', type: 'observation', at: 7, key: 'k' });
  t.equal(q.delete('o7')?.id, 'o7');
  t.equal(q.delete('o7'), undefined, 'gone');
  const order: string[] = [];
  while (q.size > 0) order.push(q.delete(q.peek()!.id)!.id);
  t.same(order, ['o5a', 'o5b', 'o9', 'm1']);
});

t.test('a store over its cap drops the oldest observation, skips a newcomer older than all, and drops memories only when nothing else is left', async (t) => {
  const store = new VectorStore(undefined, params, 3);
  store.add('m', meta('mem-old', 'memory', 1), vector());
  store.add('m', meta('o10', 'observation', 10), vector());
  store.add('m', meta('o20', 'observation', 20), vector());
  store.add('m', meta('o30', 'observation', 30), vector());
  t.same(ids(store), ['mem-old', 'o20', 'o30'], 'the oldest observation left, the older memory stayed');
  store.add('m', meta('o5', 'observation', 5), vector());
  t.same(ids(store), ['mem-old', 'o20', 'o30'], 'an observation older than every indexed one is not indexed');
  t.equal(store.coverage().oldestObservationAt, 20);
  store.add('m', meta('mem-a', 'memory', 40), vector());
  store.add('m', meta('mem-b', 'memory', 50), vector());
  t.same(ids(store), ['mem-a', 'mem-b', 'mem-old'], 'memories push out observations');
  t.equal(store.coverage().oldestObservationAt, undefined, 'no observation indexed');
  store.add('m', meta('mem-c', 'memory', 60), vector());
  t.same(ids(store), ['mem-a', 'mem-b', 'mem-c'], 'memories alone over the cap: the oldest memory leaves');
  store.add('m', meta('o99', 'observation', 99), vector());
  t.same(ids(store), ['mem-a', 'mem-b', 'mem-c'], 'an observation does not push out a memory');
  store.remove('mem-a');
  store.add('m', meta('o99', 'observation', 99), vector());
  t.same(ids(store), ['mem-b', 'mem-c', 'o99'], 'a forgotten memory frees its place');
  const [idx] = store.list();
  t.equal(idx!.slots, 8, 'eight indexed, five left: they keep their slots, deleted …');
  t.equal(store.compactSlack, 1, 'a quarter of the cap');
  t.ok(store.compactionDue(), '… until a compaction');
  t.same(store.coverage(), { indexed: 3, observations: 1, memories: 2, maxVectors: 3, oldestObservationAt: 99, evicted: 6 });
  t.equal(coverageNote(store.coverage()), 'vector index: 3 of 3 (2 memories, observations since 1970-01-01T00:00:00.099Z)', 'what /api/health says');
});

t.test('agent.maxIndexedVectors: default 10,000; a value below 100 or not a whole number is SMOL_CONFIG_INVALID', async (t) => {
  const cwd = tempDir(t);
  const config = await loadConfig({ cwd, env: {}, flags: {} });
  t.equal(config.agent.maxIndexedVectors, 10_000);
  t.equal((await loadConfig({ cwd, env: {}, flags: { set: ['agent.maxIndexedVectors=500'] } })).agent.maxIndexedVectors, 500);
  for (const bad of ['0', '99', '1.5', 'lots']) {
    const err = await loadConfig({ cwd, env: {}, flags: { set: [`agent.maxIndexedVectors=${bad}`] } }).then(() => undefined, (e: unknown) => e);
    t.ok(isSmolError(err, ErrorCodes.CONFIG_INVALID), `${bad}: SMOL_CONFIG_INVALID`);
    t.match(String((err as Error | undefined)?.message), /maxIndexedVectors/, 'the message names the key');
  }
});
