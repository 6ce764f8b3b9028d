import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VectorsProjection, type VectorsProjectionOptions } from '../adapters/vectors/vectors-projection.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { createRegistry } from '../core/events/default-registry.js';
import type { Journal } from '../core/journal/journal.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { tempDir } from './helpers/temp-dir.js';
import { centredRandom, unitLength } from './helpers/prng.js';
import { waitFor } from './helpers/wait-for.js';

const DIM = 48;
const MODEL = 'test-model';
const registry = createRegistry();
const params = { m: 12, efConstruction: 48, efSearch: 64, initialCapacity: 64, shards: 2 };
const api = { kind: 'api' as const };

/** Deterministic unit vectors around a few centres. */
function vectors(n: number, seed: number): number[][] {
  const next = centredRandom(seed);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: DIM }, next));
  return Array.from({ length: n }, (_, i) => unitLength(centres[i % 8]!.map((c) => c + 0.3 * next())));
}

const observation = (v: number[]) => ({
  type: 'observation.recorded',
  data: { text: 'o', kind: 'state', confidence: 0.5, sources: [], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(MODEL, v) },
});
const memory = (v: number[]) => ({ type: 'memory.remembered', data: { text: 'm', kind: 'fact', confidence: 0.5, sources: [], by: api, embedding: encodeEmbedding(MODEL, v) } });
const forget = (memoryId: string) => ({ type: 'memory.forgotten', data: { memoryId, reason: 'test', by: api } });

/** Appends the drafts in journal batches of 500; returns the event ids. */
async function appendAll(journal: Journal, drafts: Array<{ type: string; data: unknown }>): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < drafts.length; i += 500) {
    // The journal seals its feed every 1,000 events: that entry is not ours.
    for (const e of await journal.append(drafts.slice(i, i + 500) as never)) if (e.event.type !== 'feed.sealed') ids.push(e.event.id);
  }
  return ids;
}

function projection(journal: Journal, options: VectorsProjectionOptions): VectorsProjection {
  return new VectorsProjection(journal, registry, { params, ...options });
}

/** Top-10 ids for each query. */
const top10 = (v: VectorsProjection, queries: number[][]) => queries.map((q) => v.search(MODEL, DIM, q, 10).map((h) => h.meta.id));

t.test('a bulk build in two workers (or one) finds the same neighbours as a build on the main thread, deletes included', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const vs = vectors(2400, 1);
  // Observations and memories, with forgets of memories both far back and just added.
  const drafts: Array<{ type: string; data: unknown }> = vs.map((v, i) => (i % 3 === 0 ? memory(v) : observation(v)));
  const ids = await appendAll(journal, drafts);
  const memoryIds = ids.filter((_, i) => i % 3 === 0);
  const forgotten = memoryIds.filter((_, i) => i % 5 === 0);
  await appendAll(journal, forgotten.map(forget));

  const direct = projection(journal, { bulkThreshold: Infinity });
  await direct.start();
  await direct.caughtUp();
  t.equal(direct.bulkBuilds, 0);
  const bulk = projection(journal, { bulkThreshold: 100, bulkWorkers: 2 });
  await bulk.start();
  await bulk.caughtUp();
  t.equal(bulk.bulkBuilds, 1, 'the catch-up ran as a bulk build');
  t.notOk(bulk.store.bulkActive);
  const oneWorker = projection(journal, { bulkThreshold: 100, bulkWorkers: 1 });
  await oneWorker.start();
  await oneWorker.caughtUp();
  t.equal(oneWorker.bulkBuilds, 1);

  const [a] = direct.store.list();
  const [b] = bulk.store.list();
  t.equal(b!.size, 2400 - forgotten.length);
  t.same(b, a, 'same size and capacity');
  t.equal(a!.capacity, 2 * 2048, 'each shard doubled from 32 by its own count (1,200), not by its labels (up to 2,399)');
  t.same(oneWorker.store.list(), direct.store.list());
  const queries = vectors(60, 9);
  const fromBulk = top10(bulk, queries);
  t.same(fromBulk, top10(direct, queries), 'same shard, insert order and seed: the same graphs');
  t.same(top10(oneWorker, queries), fromBulk, 'both shards in one worker: the same graphs too');
  const gone = new Set(forgotten);
  t.notOk(fromBulk.flat().some((id) => gone.has(id)), 'forgotten memories are not found');
  t.notOk(top10(bulk, forgotten.slice(0, 20).map((id) => vs[ids.indexOf(id)]!)).flat().some((id) => gone.has(id)), 'not even by their own vector');
  t.equal(bulk.search(MODEL, DIM, vs[1]!, 1)[0]?.meta.id, ids[1], 'a live vector finds itself');
  await direct.stop();
  await bulk.stop();
  await oneWorker.stop();
});

t.test('a backlog after a saved index: the worker starts from the saved graph, forgets old and new, and the result saves and loads', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const vdir = join(dir, 'vectors');
  const vs = vectors(1500, 2);
  const oldIds = await appendAll(journal, vs.slice(0, 300).map(memory));
  const first = projection(journal, { dir: vdir, bulkThreshold: 400 });
  await first.start();
  await first.caughtUp();
  t.equal(first.bulkBuilds, 0, '300 events: no bulk build');
  await first.stop();
  const savedAt = journal.lastPosition();

  const newIds = await appendAll(journal, vs.slice(300).map(memory));
  const forgotten = [...oldIds.filter((_, i) => i % 4 === 0), ...newIds.filter((_, i) => i % 4 === 0)];
  await appendAll(journal, forgotten.map(forget));
  const second = projection(journal, { dir: vdir, bulkThreshold: 400 });
  await second.start();
  t.equal(second.position, savedAt, 'loaded the saved generation');
  await second.caughtUp();
  t.equal(second.bulkBuilds, 1);
  t.equal(second.position, journal.lastPosition());
  const size = 1500 - forgotten.length;
  t.equal(second.store.list()[0]!.size, size);
  t.ok(second.store.list()[0]!.capacity >= 1500);
  const gone = new Set(forgotten);
  const all = [...oldIds, ...newIds];
  let self = 0;
  for (let i = 0; i < all.length; i += 7) {
    const hit = second.search(MODEL, DIM, vs[i]!, 10).map((h) => h.meta.id);
    t.notOk(hit.some((id) => gone.has(id)), `no forgotten id for query ${i}`);
    if (!gone.has(all[i]!) && hit[0] === all[i]) self += 1;
  }
  let asked = 0;
  for (let i = 0; i < all.length; i += 7) if (!gone.has(all[i]!)) asked += 1;
  t.ok(self >= asked * 0.99, `live vectors find themselves (${self} of ${asked})`);
  const queries = vectors(40, 5);
  const before = top10(second, queries);
  const cp = JSON.parse(readFileSync(join(vdir, 'checkpoint.json'), 'utf8')) as { position: number };
  t.equal(cp.position, journal.lastPosition(), 'the end of the bulk build is a saved generation');
  await second.stop();

  const third = projection(journal, { dir: vdir, bulkThreshold: 400 });
  await third.start();
  t.equal(third.position, journal.lastPosition(), 'nothing to replay');
  t.same(third.store.list()[0]!.size, size);
  t.same(top10(third, queries), before, 'loaded graph answers as the one built');
  await third.stop();
});

const failures = [
  { what: 'a worker that throws', query: 'mode=throw', n: 1200 },
  { what: 'one worker that dies at its first batch while the other builds', query: 'mode=exit&shard=1', n: 1200 },
  { what: 'one worker that dies after a batch', query: 'mode=exit&shard=1&after=1', n: 4400 },
];
for (const { what, query, n } of failures) {
  t.test(`${what} fails the build with a code; nothing is claimed or saved`, async (t) => {
    const dir = tempDir(t);
    const journal = await openLevelJournal(join(dir, 'journal'));
    t.teardown(() => journal.close());
    const vdir = join(dir, 'vectors');
    const vs = vectors(n, 3);
    await appendAll(journal, vs.slice(0, 200).map(observation));
    const v1 = projection(journal, { dir: vdir, bulkThreshold: 500 });
    await v1.start();
    await v1.caughtUp();
    await v1.stop();
    const savedAt = journal.lastPosition();
    const q = vectors(5, 4);
    const before = top10(v1, q);
    await appendAll(journal, vs.slice(200).map(observation));

    const failing = new URL(`./helpers/failing-vector-worker.ts?${query}`, import.meta.url);
    const v2 = projection(journal, { dir: vdir, bulkThreshold: 500, bulkWorkerUrl: failing, bulkWorkers: 2 });
    await v2.start();
    await t.rejects(v2.caughtUp(), { code: 'SMOL_VECTOR_INDEX_BUILD_FAILED' });
    t.equal(v2.failure?.name, 'SmolError');
    t.equal(v2.position, savedAt, 'the position stays where the saved generation is');
    t.equal(v2.store.list()[0]!.size, 200, 'back to the saved index');
    t.same(top10(v2, q), before, 'which still answers');
    await t.rejects(v2.caughtUp(), { code: 'SMOL_VECTOR_INDEX_BUILD_FAILED' }, 'a later wait learns it too');
    await v2.stop();
    const cp = JSON.parse(readFileSync(join(vdir, 'checkpoint.json'), 'utf8')) as { position: number };
    t.equal(cp.position, savedAt, 'no generation claims the failed range');

    const v3 = projection(journal, { dir: vdir, bulkThreshold: 500 });
    await v3.start();
    await v3.caughtUp();
    t.equal(v3.bulkBuilds, 1, 'a restart with a working worker builds it');
    t.equal(v3.store.list()[0]!.size, n);
    await v3.stop();
  });
}

t.test('the event loop keeps turning while the worker inserts, and searches answer from the graph as it was', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const vdir = join(dir, 'vectors');
  const vs = vectors(4000, 6);
  const ids = await appendAll(journal, vs.slice(0, 100).map(observation));
  const first = projection(journal, { dir: vdir, bulkThreshold: 500 });
  await first.start();
  await first.caughtUp();
  await first.stop();
  await appendAll(journal, vs.slice(100).map(observation));

  const v = projection(journal, { dir: vdir, bulkThreshold: 500 });
  let ticks = 0;
  let searchedDuringBulk = 0;
  const timer = setInterval(() => {
    if (!v.store.bulkActive) return;
    ticks += 1;
    // Only what was indexed before the build is searchable until it ends.
    const hit = v.search(MODEL, DIM, vs[7]!, 5);
    if (hit[0]?.meta.id === ids[7]) searchedDuringBulk += 1;
  }, 1);
  t.teardown(() => clearInterval(timer));
  await v.start();
  await waitFor(() => v.store.bulkActive || v.bulkBuilds > 0, { timeoutMs: 30_000, intervalMs: 1, message: 'the bulk build to begin' });
  await v.caughtUp();
  clearInterval(timer);
  t.equal(v.bulkBuilds, 1);
  t.ok(ticks >= 3, `a 1 ms interval ran ${ticks} times during the bulk build`);
  t.equal(searchedDuringBulk, ticks, 'every search during the build answered');
  t.equal(v.store.list()[0]!.size, 4000);
  await v.stop();
});

t.test('a live backlog small next to the index is indexed on the main thread (a bulk build would cost more)', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const vs = vectors(3000, 7);
  await appendAll(journal, vs.slice(0, 2000).map(observation));
  const v = projection(journal, { bulkThreshold: 100 });
  await v.start();
  await v.caughtUp();
  t.equal(v.bulkBuilds, 1, 'from empty: bulk');
  await journal.append(vs.slice(2000, 2200).map(observation) as never);
  await v.caughtUp();
  t.equal(v.bulkBuilds, 1, '200 behind 2,000: on the main thread');
  await appendAll(journal, vs.slice(2200).map(observation));
  await v.caughtUp();
  t.equal(v.store.list()[0]!.size, 3000);
  await v.stop();
});
