import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Bundles the dashboard into ui/dist (or `outDir`): index.html and one app.js, no CDN. */
export async function buildUi(options: { outDir?: string; minify?: boolean } = {}): Promise<string> {
  const outDir = options.outDir ?? join(here, 'dist');
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: true,
    outfile: join(outDir, 'app.js'),
    logLevel: 'warning',
    // Lit's reactive properties need assignment semantics for class fields (as in tsconfig.json).
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, experimentalDecorators: false } },
    legalComments: 'none',
    // uPlot's stylesheet goes into the chart element's shadow root as text (no <link>, no CDN).
    loader: { '.css': 'text' },
  });
  await copyFile(join(here, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildUi();
  process.stdout.write(`built the dashboard into ${out}\n`);
}
