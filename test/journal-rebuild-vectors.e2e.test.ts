import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { openDataDirJournal } from '../adapters/cli/data-dir.js';
import { createRegistry } from '../core/events/default-registry.js';
import { encodeEmbedding } from '../core/embeddings/vector-codec.js';
import { NgramEmbedder } from '../core/embeddings/ngram-embedder.js';
import { VectorsProjection } from '../adapters/vectors/vectors-projection.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const texts = ['the greenhouse is warm this afternoon', 'soil moisture dropped below the threshold', 'the cpu runs hot under load', 'door opened at night'];

t.test('journal rebuild also rebuilds the vector index from the events (no model), alone or with all', async (t) => {
  const dir = join(tempDir(t), 'data');
  const embedder = new NgramEmbedder();
  const journal = await openLevelJournal(join(dir, 'journal'));
  await journal.append(
    texts.map((text) => ({
      type: 'observation.recorded',
      data: { text, kind: 'state', confidence: 0.8, sources: ['system.cpu_temp'], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding(embedder.model, embedder.embedOne(text)) },
    })),
  );
  const last = journal.lastPosition();
  await journal.close();

  const alone = await runCli(['journal', 'rebuild', 'vectors', '--data-dir', dir]);
  t.equal(alone.code, 0, alone.stderr);
  t.match(alone.stdout.trim(), new RegExp(`^rebuilt vectors to position ${last} in \\d+ ms$`), 'only the vector index, up to the last event');
  const checkpoint = JSON.parse(readFileSync(join(dir, 'vectors', 'checkpoint.json'), 'utf8')) as { position: number };
  t.equal(checkpoint.position, last, 'saved with the position it covers');

  // What was saved answers a search without replaying anything.
  const reopened = await openDataDirJournal(dir); // the CLI moved the key into node.key
  const vectors = new VectorsProjection(reopened, createRegistry(), { dir: join(dir, 'vectors') });
  await vectors.start();
  t.equal(vectors.position, last);
  const hits = vectors.search(embedder.model, embedder.dim, embedder.embedOne('the soil moisture is low'), 1);
  t.equal(hits[0]?.meta.type, 'observation');
  await vectors.stop();
  await reopened.close();

  const all = await runCli(['journal', 'rebuild', '--data-dir', dir]);
  t.equal(all.code, 0, all.stderr);
  t.match(all.stdout, /^rebuilt sensors to position/m);
  t.match(all.stdout, new RegExp(`^rebuilt vectors to position ${last}`, 'm'), 'all projections include the vector index');

  const unknown = await runCli(['journal', 'rebuild', 'nope', '--data-dir', dir]);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /SMOL_CLI_USAGE.*nope.*vectors/);
});
