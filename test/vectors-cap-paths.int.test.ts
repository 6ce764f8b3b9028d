import t from 'tap';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { VectorsProjection, type VectorsProjectionOptions } from '../adapters/vectors/vectors-projection.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { createRegistry } from '../core/events/default-registry.js';
import type { Journal } from '../core/journal/journal.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { hlcWall } from '../core/clock/hlc.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { centredRandom, unitLength } from './helpers/prng.js';

// A cap far below the history, through every path that builds the index: live appends, a restart
// from the saved files, a bulk build (from empty and from saved graphs) and a replay from position 1.
const DIM = 32;
const MODEL = 'cap-model';
const CAP = 120;
/** Deleted slots an index carries at most before it is compacted, live (one event at a time). */
const SLOTS = CAP + Math.ceil(CAP / 4);
const QUARTER_HOUR = 15 * 60_000;
const registry = createRegistry();
const params = { m: 8, efConstruction: 32, efSearch: 64, initialCapacity: 16, shards: 2 };
const api = { kind: 'api' as const };

const next = centredRandom(11);
const vector = () => unitLength(Array.from({ length: DIM }, next));
const observation = (v: number[]) => ({
  type: 'observation.recorded',
  data: { text: 'o', kind: 'state', confidence: 0.5, sources: [], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(MODEL, v) },
});
const memory = (v: number[]) => ({ type: 'memory.remembered', data: { text: 'm', kind: 'fact', confidence: 0.5, sources: [], by: api, embedding: encodeEmbedding(MODEL, v) } });
const forget = (memoryId: string) => ({ type: 'memory.forgotten', data: { memoryId, reason: 'test', by: api } });

const dir = tempDir(t);
let wall = Date.UTC(2026, 0, 1);
// Every event a quarter of an hour after the one before, as a default node writes observations.
const journal: Journal = await openLevelJournal(join(dir, 'journal'), { clock: { now: () => (wall += QUARTER_HOUR) } });
t.teardown(() => journal.close());

const observations: Array<{ id: string; at: number; v: number[] }> = [];
const memories: string[] = [];
const forgotten = new Set<string>();

/** Appends `n` observations (every 10th a memory instead) one event at a time. */
async function appendMix(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const v = vector();
    const isMemory = (observations.length + memories.length) % 10 === 0;
    const [e] = await journal.append([(isMemory ? memory(v) : observation(v)) as never]);
    if (isMemory) memories.push(e!.event.id);
    else observations.push({ id: e!.event.id, at: hlcWall(e!.event.hlc), v });
  }
}

/** What every path must hold: the memories not forgotten and the newest observations up to the cap. */
function expected(): string[] {
  const kept = memories.filter((id) => !forgotten.has(id));
  return [...kept, ...observations.slice(-(CAP - kept.length)).map((o) => o.id)].sort();
}

const project = (options: VectorsProjectionOptions) => new VectorsProjection(journal, registry, { params, maxVectors: CAP, bulkThreshold: Infinity, ...options });

/** Position moves (and caughtUp resolves) before a compaction that batch started has ended: wait for it. */
const compacted = (v: VectorsProjection) => waitFor(() => !v.store.bulkActive && !v.store.compactionDue(), { timeoutMs: 20_000, message: 'compaction' });

/** The ids indexed (the label table: what a search can return). */
function indexed(v: VectorsProjection): string[] {
  const idx = v.store.index(MODEL, DIM);
  return idx ? [...idx.live()].map((m) => m.id).sort() : [];
}

const vdir = join(dir, 'vectors');
const live = project({ dir: vdir });
await live.start();

t.test('live appends keep the index at the cap: the oldest observations leave, memories stay, graphs stay small', async (t) => {
  for (let round = 0; round < 6; round++) {
    await appendMix(80);
    if (round === 2) {
      for (const id of memories.slice(0, 4)) forgotten.add(id);
      await journal.append([...forgotten].map(forget) as never);
    }
    await live.caughtUp();
    t.ok(live.coverage().indexed <= CAP, `round ${round}: within the cap`);
  }
  await compacted(live);
  const c = live.coverage();
  t.equal(c.indexed, CAP);
  t.equal(c.memories, memories.length - forgotten.size, 'every memory not forgotten is kept');
  t.equal(c.maxVectors, CAP);
  const want = expected();
  t.equal(c.oldestObservationAt, observations[observations.length - (CAP - c.memories)]!.at, 'the oldest indexed observation is the first of the newest');
  t.same(indexed(live), want, 'search sees exactly the newest observations and the memories');
  const [idx] = live.store.list();
  t.ok(idx!.slots < SLOTS, `graph slots ${idx!.slots} < cap and a quarter`);
  t.ok(idx!.capacity <= 2 * SLOTS, `native capacity ${idx!.capacity} ≤ one doubling of that after ${observations.length + memories.length} vectors`);
  t.ok(live.compactions >= 3, `compacted in worker threads (${live.compactions} times)`);
  t.equal(live.compactionFailure, undefined);
  const probe = observations.slice(-20);
  t.ok(probe.filter((o) => live.search(MODEL, DIM, o.v, 1)[0]?.meta.id === o.id).length >= 19, 'after compactions, indexed vectors are still found as their own nearest neighbours');
  const evictedOne = observations[0]!;
  t.notOk(live.search(MODEL, DIM, evictedOne.v, 10).some((h) => h.meta.id === evictedOne.id), 'an evicted observation is not found');
  const newest = observations[observations.length - 1]!;
  t.equal(live.search(MODEL, DIM, newest.v, 1)[0]?.meta.id, newest.id, 'the newest is its own nearest neighbour');
});

t.test('a restart from the saved files holds the same set, and goes on as the live node would', async (t) => {
  await live.stop();
  const before = indexed(live);
  const again = project({ dir: vdir });
  await again.start();
  await again.caughtUp();
  t.same(indexed(again), before, 'same set after the restart');
  await appendMix(30);
  await again.caughtUp();
  await compacted(again);
  t.same(indexed(again), expected(), 'after more appends, still the newest');
  t.ok(again.store.list()[0]!.slots < SLOTS);
  await again.stop();
});

t.test('a replay from position 1 (journal rebuild, cold start) ends with the same set as the live node', async (t) => {
  const cold = project({});
  await cold.start();
  await cold.caughtUp();
  t.same(indexed(cold), expected());
  t.equal(cold.coverage().indexed, CAP);
  t.equal(cold.coverage().oldestObservationAt, observations[observations.length - (CAP - cold.coverage().memories)]!.at);
  await cold.stop();
});

t.test('a bulk build in worker threads honours the cap, from empty and from saved graphs with deleted slots', async (t) => {
  const fromEmpty = project({ bulkThreshold: 50, bulkWorkers: 2 });
  await fromEmpty.start();
  await fromEmpty.caughtUp();
  await compacted(fromEmpty);
  t.equal(fromEmpty.bulkBuilds, 1, 'the catch-up ran as a bulk build');
  t.same(indexed(fromEmpty), expected(), 'same set as the live node');
  t.ok(fromEmpty.compactions >= 1, 'and was compacted at its end');
  t.equal(fromEmpty.store.list()[0]!.slots, CAP, 'its graphs hold the cap, no deleted slot');
  t.ok(fromEmpty.store.list()[0]!.capacity <= 2 * SLOTS);
  await fromEmpty.stop();

  // A node that was stopped while 300 more were written catches up in bulk from its saved graphs.
  const copy = join(dir, 'vectors-copy');
  cpSync(vdir, copy, { recursive: true });
  await appendMix(300);
  const behind = project({ dir: copy, bulkThreshold: 50, bulkWorkers: 2 });
  await behind.start();
  await behind.caughtUp();
  await compacted(behind);
  t.equal(behind.bulkBuilds, 1);
  t.same(indexed(behind), expected(), 'the newest again, after a bulk build from saved graphs with deleted slots');
  t.ok(behind.store.list()[0]!.slots < SLOTS, 'compacted after its bulk build');
  await behind.stop();
  const reread = project({ dir: copy });
  await reread.start();
  await reread.caughtUp();
  t.same(indexed(reread), expected(), 'and its saved generation reads back the same');
  await reread.stop();
});

t.test('a catch-up over many batches ends its bulk build to compact and goes on, within the cap', async (t) => {
  const batchSize = 100;
  const stepwise = project({ bulkThreshold: 50, bulkWorkers: 2, batchSize });
  await stepwise.start();
  await stepwise.caughtUp();
  await compacted(stepwise);
  t.ok(stepwise.bulkBuilds >= 2, `${stepwise.bulkBuilds} bulk builds, with compactions between them`);
  t.ok(stepwise.compactions >= 2, `${stepwise.compactions} compactions`);
  t.same(indexed(stepwise), expected());
  t.ok(stepwise.store.list()[0]!.capacity <= 2 * (SLOTS + batchSize), 'the graphs never grew past the cap, a quarter and a batch');
  await stepwise.stop();
});

t.test('an index saved with more slots than the cap is rebuilt from the journal within it', async (t) => {
  const wide = join(dir, 'vectors-wide');
  const uncapped = new VectorsProjection(journal, registry, { params, dir: wide, bulkThreshold: Infinity });
  await uncapped.start();
  await uncapped.caughtUp();
  await uncapped.stop();
  t.ok(uncapped.store.list()[0]!.slots > CAP, 'saved without a cap');
  const capped = project({ dir: wide });
  await capped.start();
  await capped.caughtUp();
  await compacted(capped);
  t.same(indexed(capped), expected());
  t.ok(capped.store.list()[0]!.slots < SLOTS, 'its graphs are as small as a capped index gets');
  await capped.stop();
});
