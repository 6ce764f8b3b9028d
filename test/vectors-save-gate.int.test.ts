import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VectorsProjection } from '../adapters/vectors/vectors-projection.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { createRegistry } from '../core/events/default-registry.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const DIM = 8;
const MODEL = 'test-model';
const observation = (i: number) => ({
  type: 'observation.recorded',
  data: { text: `o${i}`, kind: 'state', confidence: 0.5, sources: [], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(MODEL, Array.from({ length: DIM }, (_, d) => Math.sin(i * 7 + d))) },
});

t.test('the timer saves the vector index only once the unsaved vectors are an eighth of it; a clean stop saves the rest', async (t) => {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const vdir = join(dir, 'vectors');
  const checkpoint = () => {
    try {
      return (JSON.parse(readFileSync(join(vdir, 'checkpoint.json'), 'utf8')) as { position: number }).position;
    } catch {
      return 0;
    }
  };
  const vectors = new VectorsProjection(journal, createRegistry(), { dir: vdir, saveIntervalMs: 1, bulkThreshold: Infinity, params: { m: 8, efConstruction: 16, efSearch: 16, initialCapacity: 64, shards: 1 } });
  await vectors.start();
  for (let i = 0; i < 16; i++) await journal.append([observation(i)] as never);
  const sixteen = journal.lastPosition();
  await waitFor(() => checkpoint() >= sixteen, { timeoutMs: 10_000, message: 'an index of 16 saved (every batch was an eighth or more)' });

  // One more to an index of 16: not worth rewriting it. Then two more: 3 × 8 ≥ 19, worth it.
  await journal.append([observation(16)] as never);
  const seventeen = journal.lastPosition();
  await vectors.caughtUp(seventeen);
  t.ok(checkpoint() < seventeen, 'one new vector in 17 does not rewrite the index');
  await journal.append([observation(17)] as never);
  await journal.append([observation(18)] as never);
  const nineteen = journal.lastPosition();
  await waitFor(() => checkpoint() >= nineteen, { timeoutMs: 10_000, message: 'saved once the unsaved are an eighth' });
  t.pass('three unsaved of 19 are saved by the timer');

  await journal.append([observation(19)] as never);
  const twenty = journal.lastPosition();
  await vectors.caughtUp(twenty);
  await vectors.stop();
  t.equal(checkpoint(), twenty, 'a clean stop saves what the timer held back');
});
