import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Packages that only run in Node: one of them in the bundle means server code was imported by value. */
const SERVER_PACKAGES = ['classic-level', 'abstract-level', 'fastify', 'pino', 'mqtt', 'aedes', 'ollama', 'sharp', 'ws', 'rpio', 'i2c-bus', 'openai', 'zod'];

/**
 * Bundle inputs that are server code: the node's edges (adapters, journal-tools, ...), a Node-only
 * package or a builtin. The UI imports the node's API types with `import type`, which esbuild
 * erases; a value import of a route would show up here. Pure code of core/ and projections/ (no
 * I/O, by lint rule) may be shared by value — a journal or a schema pulls in a package listed above.
 */
export function serverInputs(inputs: readonly string[]): string[] {
  return inputs.filter((path) => {
    const p = path.replaceAll('\\', '/');
    if (p.startsWith('node:')) return true;
    const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1];
    if (pkg) return SERVER_PACKAGES.includes(pkg);
    return !/(?:^|\/)(?:ui\/src|core|projections)\//.test(p);
  });
}

/** Bundles the dashboard into ui/dist (or `outDir`): index.html and one app.js, no CDN. */
export async function buildUi(options: { outDir?: string; minify?: boolean } = {}): Promise<string> {
  const outDir = options.outDir ?? join(here, 'dist');
  await mkdir(outDir, { recursive: true });
  const result = await build({
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
    metafile: true,
  });
  const server = serverInputs(Object.keys(result.metafile.inputs));
  if (server.length > 0) throw new Error(`the dashboard bundle would contain server code (import it with \`import type\`): ${server.join(', ')}`);
  await copyFile(join(here, 'index.html'), join(outDir, 'index.html'));
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildUi();
  process.stdout.write(`built the dashboard into ${out}\n`);
}
