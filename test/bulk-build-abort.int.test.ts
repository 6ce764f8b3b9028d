import t from 'tap';
import { BulkBuild } from '../adapters/vectors/bulk-build.js';
import { DEFAULT_HNSW } from '../adapters/vectors/hnsw-index.js';
import { ErrorCodes } from '../core/errors.js';

// Ending a worker thread while it loads hnswlib's native addon aborts the whole process (a fatal
// napi_throw in the addon's Init; seen once in CI, when one failing worker ended the other). A
// failed or stopped bulk build ends its workers at any moment, including right after starting them.
// The window is a few ms and did not reproduce on demand here, so this sweep guards the path
// rather than proving the race; it does prove an ended build refuses further work with its code.
t.test('a bulk build ended at any moment after its workers start ends them without harm', async (t) => {
  // Starting a worker under tsx takes ~250-350 ms here: end builds across that span.
  for (let i = 0; i < 12; i++) {
    const build = new BulkBuild(DEFAULT_HNSW, { workers: 2 });
    const sink = build.open('m#8', 8, 2, [undefined, undefined]);
    sink.add(0, [1, 0, 0, 0, 0, 0, 0, 0]);
    sink.add(1, [0, 1, 0, 0, 0, 0, 0, 0]);
    // A deliberate stagger (0, 30, … 330 ms), not a wait: it places each abort at another moment of the workers' start.
    if (i > 0) await new Promise((r) => setTimeout(r, i * 30));
    await build.abort();
    await t.rejects(build.drain(), { code: ErrorCodes.VECTOR_INDEX_BUILD_FAILED }, `round ${i}: an aborted build says so`);
  }
});
