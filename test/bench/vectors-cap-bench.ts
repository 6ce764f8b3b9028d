/**
 * The vector index's memory with and without `agent.maxIndexedVectors`: a default node's year of
 * observations (35,000 = 96 a day × 365, 384-d, one every 15 minutes) added one at a time, as the
 * live node adds them, to a VectorStore with the node's HNSW settings (DEFAULT_HNSW), each case in a
 * fresh child process (--expose-gc, glibc settings of deploy/smollama.service) so nothing else shows in its RSS. The children run with
 * --max-semi-space-size=1: adding 35,000 vectors in a burst makes V8 grow its young generation by
 * ~16 MB at some point (heapTotal 25 → 41 MB with a flat heapUsed), which a node adding one
 * observation every 15 minutes never does and which is not the index's. Reports the RSS growth over
 * the process after its imports, sampled every 5,000 vectors (flat once the cap is reached), the
 * graphs' slots and capacity, the seconds the adds took (with the capped store's compactions, as
 * the projection runs them: its graphs rebuilt in worker threads whenever a quarter of the cap is
 * deleted slots), and recall@10 against exact search, beside a fresh index of the same vectors.
 *
 * The children run bundled (esbuild, packages external) under plain node, with the index workers
 * bundled beside them, as dist/ runs in production: under tsx every worker thread of a compaction
 * loads the TypeScript loader, ~40 MB of RSS a node never has (test/bench/main.ts says the same).
 *
 *   node --import tsx test/bench/vectors-cap-bench.ts [--json] [--quick] [--vectors N] [--cap N]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseArgs } from 'node:util';
import { DEFAULT_HNSW } from '../../adapters/vectors/hnsw-index.js';
import { VectorStore } from '../../adapters/vectors/vector-store.js';
import { prng } from '../helpers/prng.js';
import { MB, msSince } from './stats.js';

export interface VectorsCapCase {
  readonly cap: number | null;
  readonly vectors: number;
  readonly dim: number;
  /** RSS growth (MB) over the process after its imports, after each 5,000 vectors and at the end. */
  /** heapMb: V8's heapTotal (what of the RSS is the JS heap). */
  readonly rssMbAt: ReadonlyArray<{ vectors: number; rssMb: number; heapMb: number }>;
  readonly rssMb: number;
  /** RSS growth per vector held (bytes). */
  readonly bytesPerVector: number;
  readonly indexed: number;
  readonly slots: number;
  readonly capacity: number;
  readonly seconds: number;
  /** Compactions (graphs rebuilt from their live vectors in worker threads) during the adds. */
  readonly compactions: number;
  /** recall@10 of 200 queries against exact search over the vectors held (after the RSS figures). */
  readonly recallAt10: number;
  /** The same for a fresh index of just the vectors held (no slot ever reused): what reuse costs in quality. */
  readonly freshRecallAt10: number | null;
}

export interface VectorsCapResult {
  readonly uncapped: VectorsCapCase;
  readonly capped: VectorsCapCase;
}

const DIM = 384;
const QUARTER_HOUR = 15 * 60_000;

/** Deterministic unit vectors around 64 centres (embeddings cluster by topic; uniform noise has no neighbours worth the name). */
function generator(seed: number): (out: Float32Array) => void {
  const next = prng(seed);
  const centres = Array.from({ length: 64 }, () => Float32Array.from({ length: DIM }, () => next() - 0.5));
  let i = 0;
  return (out) => {
    const c = centres[i++ % centres.length]!;
    let norm = 0;
    for (let d = 0; d < DIM; d++) norm += (out[d] = c[d]! + 0.6 * (next() - 0.5)) ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d++) out[d]! /= norm;
  };
}

const meta = (i: number) => ({ id: `node:${i}`, type: 'observation' as const, origin: 'node', at: Date.UTC(2026, 0, 1) + i * QUARTER_HOUR, kind: 'trend' });

/** recall@10 of `store` over `held` (vector i has id node:first+i) for 200 queries of another seed. */
function recallAt10(store: VectorStore, held: Float32Array, first: number): number {
  const n = held.length / DIM;
  const gen = generator(99);
  const q = new Float32Array(DIM);
  let found = 0;
  for (let k = 0; k < 200; k++) {
    gen(q);
    const scores = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let d = 0; d < DIM; d++) dot += q[d]! * held[j * DIM + d]!;
      scores[j] = dot;
    }
    const exact = new Set([...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 10).map((j) => `node:${first + j}`));
    for (const h of store.search('all-minilm', DIM, Array.from(q), 10)) if (exact.has(h.meta.id)) found += 1;
  }
  return found / 2000;
}

/** One case, in this process: adds `vectors` observations to a store capped at `cap` (null: none). */
export async function measureCase(vectors: number, cap: number | null): Promise<VectorsCapCase> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new TypeError('run the case with --expose-gc');
  gc();
  const base = process.memoryUsage().rss;
  const store = new VectorStore(undefined, DEFAULT_HNSW, cap ?? Infinity);
  const gen = generator(7);
  // A stored embedding decodes to float32s (vectors-projection.ts decodeFloats): the same here.
  const v = new Float32Array(DIM);
  const rssMbAt: Array<{ vectors: number; rssMb: number; heapMb: number }> = [];
  const sample = (n: number) => {
    gc();
    const m = process.memoryUsage();
    rssMbAt.push({ vectors: n, rssMb: (m.rss - base) / MB, heapMb: m.heapTotal / MB });
  };
  let compactions = 0;
  const started = process.hrtime.bigint();
  for (let i = 1; i <= vectors; i++) {
    gen(v);
    store.add('all-minilm', meta(i), v);
    // As the projection does after each batch: rebuild the graphs in worker threads once a quarter of the cap is deleted slots.
    if (store.compactionDue()) {
      await store.compact(i);
      compactions += 1;
    }
    if (i % 5000 === 0 && i < vectors) sample(i);
  }
  const seconds = msSince(started) / 1000;
  sample(vectors);
  const rssMb = rssMbAt[rssMbAt.length - 1]!.rssMb;
  const [idx] = store.list();
  const indexed = idx?.size ?? 0;
  // Quality, after the memory figures: the vectors held are the newest `indexed` (all in time order).
  const first = vectors - indexed + 1;
  const held = new Float32Array(indexed * DIM);
  const again = generator(7);
  for (let i = 1; i <= vectors; i++) {
    again(v);
    if (i >= first) held.set(v, (i - first) * DIM);
  }
  let freshRecallAt10: number | null = null;
  if (cap !== null) {
    const fresh = new VectorStore(undefined, DEFAULT_HNSW);
    for (let j = 0; j < indexed; j++) fresh.add('all-minilm', meta(first + j), held.subarray(j * DIM, (j + 1) * DIM));
    freshRecallAt10 = recallAt10(fresh, held, first);
  }
  return {
    cap, vectors, dim: DIM, rssMbAt, rssMb, bytesPerVector: Math.round((rssMb * MB) / Math.max(1, indexed)), indexed, slots: idx?.slots ?? 0, capacity: idx?.capacity ?? 0, seconds, compactions,
    recallAt10: recallAt10(store, held, first), freshRecallAt10,
  };
}

/** Bundles this program and the index worker (as bulk-worker.js beside it, where BULK_WORKER_URL looks); returns the program's path. */
async function bundle(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  await build({
    entryPoints: { 'vectors-cap-child': fileURLToPath(import.meta.url), 'bulk-worker': fileURLToPath(new URL('../../adapters/vectors/bulk-worker.ts', import.meta.url)) },
    outdir: dir, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'error',
  });
  return join(dir, 'vectors-cap-child.js');
}

function runChild(file: string, vectors: number, cap: number | null): Promise<VectorsCapCase> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', file, '--child', '--vectors', String(vectors), '--cap', String(cap ?? 0)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      // glibc's settings of deploy/smollama.service: one arena, trim and mmap thresholds at 128 KiB.
      env: { ...process.env, MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' },
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`vectors-cap child exited with code ${code}`));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as VectorsCapCase);
      } catch (err) {
        reject(new Error(`vectors-cap child printed no JSON: ${(err as Error).message}`));
      }
    });
  });
}

/**
 * RSS of the vector index after `vectors` 384-d observations without a cap and with `cap`
 * (default: 35,000 and the default agent.maxIndexedVectors, 10,000), each in its own process, one after the other.
 */
export async function vectorsCapBench(options: { vectors?: number; cap?: number } = {}): Promise<VectorsCapResult> {
  const vectors = options.vectors ?? 35_000;
  // Inside node_modules, so the bundle resolves the packages it leaves external.
  const dir = fileURLToPath(new URL(`../../node_modules/.cache/smollama-bench/vectors-cap-${process.pid}/`, import.meta.url));
  try {
    const file = await bundle(dir);
    const uncapped = await runChild(file, vectors, null);
    const capped = await runChild(file, vectors, options.cap ?? 10_000);
    return { uncapped, capped };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (x: number) => x.toFixed(1);
function describe(c: VectorsCapCase): string {
  const series = c.rssMbAt.map((p) => `${p.vectors}: ${f(p.rssMb)} (heap ${f(p.heapMb)})`).join(', ');
  return `${c.cap === null ? 'no cap' : `cap ${c.cap}`}: +${f(c.rssMb)} MB RSS for ${c.indexed} of ${c.vectors} vectors held (${c.bytesPerVector} B each), slots ${c.slots}, capacity ${c.capacity}, adds ${f(c.seconds)} s (${c.compactions} compactions), recall@10 ${c.recallAt10.toFixed(3)}${c.freshRecallAt10 === null ? '' : ` (a fresh index of the same vectors: ${c.freshRecallAt10.toFixed(3)})`}; RSS MB by vectors added: ${series}`;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!);
if (isMain) {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, child: { type: 'boolean', default: false },
      vectors: { type: 'string' }, cap: { type: 'string' },
    },
  });
  const vectors = values.vectors ? Number(values.vectors) : values.quick ? 12_000 : 35_000;
  const cap = values.cap === undefined ? (values.quick ? 4_000 : 10_000) : Number(values.cap);
  if (values.child) {
    process.stdout.write(JSON.stringify(await measureCase(vectors, cap > 0 ? cap : null)) + '\n');
  } else {
    const result = await vectorsCapBench({ vectors, cap });
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stdout.write(`${describe(result.uncapped)}\n${describe(result.capped)}\n`);
  }
}
