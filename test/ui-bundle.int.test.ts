import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { buildUi, serverInputs } from '../ui/build.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('serverInputs names what would be server code in the bundle', async (t) => {
  t.same(serverInputs(['ui/src/main.ts', 'projections/vision.ts', 'core/clock/hlc.ts', 'node_modules/lit/index.js', 'node_modules/uplot/dist/uPlot.esm.js', 'node_modules/@lit/reactive-element/x.js']), [], "the dashboard's own files, pure core/projections code and browser libraries are fine");
  t.same(
    serverInputs(['adapters/http/routes/api-journal.ts', 'journal-tools/inspect.ts', 'node_modules/classic-level/index.js', 'node_modules/zod/v4/index.js', 'node:fs']),
    ['adapters/http/routes/api-journal.ts', 'journal-tools/inspect.ts', 'node_modules/classic-level/index.js', 'node_modules/zod/v4/index.js', 'node:fs'],
    'a route or tool imported by value, a Node-only package or a builtin are not',
  );
});

t.test('the dashboard bundle: API types erased, no server code, under 200 KB gzipped', async (t) => {
  const out = await buildUi({ outDir: join(tempDir(t, 'smollama-ui-bundle-'), 'dist'), minify: true });
  const js = readFileSync(join(out, 'app.js'), 'utf8');
  // buildUi throws when an input is server code; and the output names none of it either.
  for (const marker of ['classic-level', 'fastify', 'from"node:', 'require("node:', 'LevelJournal']) t.notOk(js.includes(marker), `app.js does not contain ${marker}`);
  const gz = gzipSync(js).length;
  t.ok(gz < 200_000, `app.js is ${Math.round(gz / 1000)} kB gzipped (issue 14: under 200 KB)`);
});
