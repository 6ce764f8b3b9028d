/**
 * The vector index's memory with and without `agent.maxIndexedVectors`: a default node's year of
 * observations (35,000 = 96 a day × 365, 384-d, one every 15 minutes) added one at a time, as the
 * live node adds them, to a VectorStore with the node's HNSW settings (DEFAULT_HNSW), each case in a
 * fresh child process (--expose-gc) so nothing else shows in its RSS. The children run with
 * --max-semi-space-size=1: adding 35,000 vectors in a burst makes V8 grow its young generation by
 * ~16 MB at some point (heapTotal 25 → 41 MB with a flat heapUsed), which a node adding one
 * observation every 15 minutes never does and which is not the index's. Reports the RSS growth over
 * the process after its imports, sampled every 5,000 vectors (flat once the cap is reached), the
 * graphs' slots and capacity, and the seconds the adds took (a capped add past the cap reuses a
 * deleted slot: hnswlib re-links it in place, which costs more than a fresh insert).
 *
 *   node --import tsx test/bench/vectors-cap-bench.ts [--json] [--quick] [--vectors N] [--cap N]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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
}

export interface VectorsCapResult {
  readonly uncapped: VectorsCapCase;
  readonly capped: VectorsCapCase;
}

const DIM = 384;
const QUARTER_HOUR = 15 * 60_000;

/** One case, in this process: adds `vectors` observations to a store capped at `cap` (null: none). */
export function measureCase(vectors: number, cap: number | null): VectorsCapCase {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new TypeError('run the case with --expose-gc');
  gc();
  const base = process.memoryUsage().rss;
  const store = new VectorStore(undefined, DEFAULT_HNSW, cap ?? Infinity);
  const next = prng(7);
  // A stored embedding decodes to float32s (vectors-projection.ts decodeFloats): the same here.
  const v = new Float32Array(DIM);
  const rssMbAt: Array<{ vectors: number; rssMb: number; heapMb: number }> = [];
  const sample = (n: number) => {
    gc();
    const m = process.memoryUsage();
    rssMbAt.push({ vectors: n, rssMb: (m.rss - base) / MB, heapMb: m.heapTotal / MB });
  };
  const started = process.hrtime.bigint();
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 1; i <= vectors; i++) {
    let norm = 0;
    for (let d = 0; d < DIM; d++) norm += (v[d] = next() - 0.5) ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d++) v[d]! /= norm;
    store.add('all-minilm', { id: `node:${i}`, type: 'observation', origin: 'node', at: t0 + i * QUARTER_HOUR, kind: 'trend' }, v);
    if (i % 5000 === 0 && i < vectors) sample(i);
  }
  const seconds = msSince(started) / 1000;
  sample(vectors);
  const rssMb = rssMbAt[rssMbAt.length - 1]!.rssMb;
  const [idx] = store.list();
  const indexed = idx?.size ?? 0;
  return { cap, vectors, dim: DIM, rssMbAt, rssMb, bytesPerVector: Math.round((rssMb * MB) / Math.max(1, indexed)), indexed, slots: idx?.slots ?? 0, capacity: idx?.capacity ?? 0, seconds };
}

function runChild(vectors: number, cap: number | null): Promise<VectorsCapCase> {
  const file = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--import', 'tsx', file, '--child', '--vectors', String(vectors), '--cap', String(cap ?? 0)], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const uncapped = await runChild(vectors, null);
  const capped = await runChild(vectors, options.cap ?? 10_000);
  return { uncapped, capped };
}

const f = (x: number) => x.toFixed(1);
function describe(c: VectorsCapCase): string {
  const series = c.rssMbAt.map((p) => `${p.vectors}: ${f(p.rssMb)} (heap ${f(p.heapMb)})`).join(', ');
  return `${c.cap === null ? 'no cap' : `cap ${c.cap}`}: +${f(c.rssMb)} MB RSS for ${c.indexed} of ${c.vectors} vectors held (${c.bytesPerVector} B each), slots ${c.slots}, capacity ${c.capacity}, adds ${f(c.seconds)} s; RSS MB by vectors added: ${series}`;
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
    process.stdout.write(JSON.stringify(measureCase(vectors, cap > 0 ? cap : null)) + '\n');
  } else {
    const result = await vectorsCapBench({ vectors, cap });
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stdout.write(`${describe(result.uncapped)}\n${describe(result.capped)}\n`);
  }
}
