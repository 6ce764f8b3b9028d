import t from 'tap';
import { join } from 'node:path';
import { VectorsProjection } from '../adapters/vectors/vectors-projection.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { createRegistry } from '../core/events/default-registry.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { tempDir } from './helpers/temp-dir.js';
import { centredRandom, unitLength } from './helpers/prng.js';

// While memory pressure is high (VectorsProjectionOptions.bulkPaused, the memory unit's paused()),
// a long catch-up does not start a bulk build in worker threads (each holds a second copy of the
// graphs): it indexes on the main thread and finds the same neighbours.

const DIM = 16;
const MODEL = 'test-model';
const params = { m: 8, efConstruction: 32, efSearch: 32, initialCapacity: 64, shards: 2 };

t.test('a catch-up that would run as a bulk build indexes on the main thread while bulk builds are paused', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const next = centredRandom(7);
  const drafts = Array.from({ length: 600 }, () => ({
    type: 'observation.recorded' as const,
    data: { text: 'o', kind: 'state' as const, confidence: 0.5, sources: [], method: 'statistical' as const, model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(MODEL, unitLength(Array.from({ length: DIM }, next))) },
  }));
  for (let i = 0; i < drafts.length; i += 300) await journal.append(drafts.slice(i, i + 300));
  const registry = createRegistry();
  const paused = true;
  const calm = new VectorsProjection(journal, registry, { params, bulkThreshold: 100, bulkWorkers: 1 });
  const pressed = new VectorsProjection(journal, registry, { params, bulkThreshold: 100, bulkWorkers: 1, bulkPaused: () => paused });
  await pressed.start();
  await pressed.caughtUp();
  t.equal(pressed.bulkBuilds, 0, 'no bulk build under pressure');
  await calm.start();
  await calm.caughtUp();
  t.equal(calm.bulkBuilds, 1, 'the same catch-up without pressure is a bulk build');
  const query = unitLength(Array.from({ length: DIM }, next));
  t.same(pressed.search(MODEL, DIM, query, 5).map((h) => h.meta.id).length, 5, 'the index answers');
  t.equal(pressed.store.list().reduce((a, i) => a + i.size, 0), 600, 'every observation indexed');
  await pressed.stop();
  await calm.stop();
});
