/**
 * The agent side's figures next to the targets of issue 4. A program, not a test: it prints what
 * it measured and never fails on a slow figure.
 *
 *   node --import tsx test/bench/agent-bench.ts [--json] [--quick] [--vectors N] [--queries Q] [--rebuild N] [--compare] [--only recall|rebuild|prompt]
 *
 * - recall: p50/p99 latency and recall@10 of the HNSW index (DEFAULT_HNSW, sharded as in
 *   production: a search asks every shard) against exact search, over N 384-d vectors with
 *   cluster structure (default 100,000), for a few efSearch values;
 * - rebuild: vectors indexed per second when the vectors projection is rebuilt from a LevelDB
 *   journal of N observation events (default 100,000, like the recall figure; no model call: the
 *   embeddings are in the events), from start until every vector is searchable — for a bulk build
 *   that includes the workers writing their shards' graphs as the saved generation and the main
 *   thread reading them back. CPU seconds are the whole process (all threads); where /proc is
 *   there, also per thread (main and the index workers), and the event loop's delay meanwhile. `--compare` also
 *   rebuilds the same journal on the main thread alone (bulk builds off), for an A/B under the
 *   same load;
 * - observer prompt: tokens (≈ 4 characters each) of the observer prompt for 8 sources with a day
 *   of baseline and 15 minutes of readings every 5 s.
 *
 * `--only` runs one part (its JSON holds that part alone).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HnswIndex, DEFAULT_HNSW, type HnswParams } from '../../adapters/vectors/hnsw-index.js';
import { VectorsProjection } from '../../adapters/vectors/vectors-projection.js';
import { observerInputs } from '../../adapters/tools/observer-inputs.js';
import { openLevelJournal, openMemoryJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { encodeEmbedding } from '../../core/embeddings/vector-codec.js';
import { seriesStats, type SeriesStats } from '../../core/observer/statistics.js';
import { estimateTokens, observerMessages } from '../../core/observer/prompt.js';
import { allProjections } from '../../projections/all.js';
import { percentile } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    vectors: { type: 'string' },
    queries: { type: 'string' },
    rebuild: { type: 'string' },
    compare: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s.replaceAll('_', '')));
const N = num(flags.vectors, flags.quick ? 20_000 : 100_000);
const Q = num(flags.queries, flags.quick ? 200 : 500);
const REBUILD = num(flags.rebuild, flags.quick ? 20_000 : 100_000);
const DIM = 384;
const log = (s: string) => (flags.json ? undefined : process.stderr.write(s + '\n'));

/** Deterministic PRNG (mulberry32) and normal samples. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

function unit(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / n);
}

/** N unit vectors around 256 random centres (within-cluster cosine ≈ 0.7), like embeddings of related texts. */
function clustered(n: number, seed: number, centres: number[][]): number[][] {
  const r = rng(seed);
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r.next() * centres.length)]!;
    out.push(unit(c.map((x) => x + 0.05 * r.normal())));
  }
  return out;
}

function exactTop(data: Float32Array, n: number, q: number[], k: number): number[] {
  const qa = Float32Array.from(q);
  const best: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    const off = i * DIM;
    for (let d = 0; d < DIM; d++) s += data[off + d]! * qa[d]!;
    if (best.length < k) {
      best.push([s, i]);
      best.sort((a, b) => b[0] - a[0]);
    } else if (s > best[k - 1]![0]) {
      best[k - 1] = [s, i];
      best.sort((a, b) => b[0] - a[0]);
    }
  }
  return best.map((b) => b[1]);
}

async function recallBench() {
  const r = rng(7);
  const centres = Array.from({ length: 256 }, () => unit(Array.from({ length: DIM }, () => r.normal())));
  const data = clustered(N, 11, centres);
  const queries = clustered(Q, 13, centres);
  // As production builds it (DEFAULT_HNSW: sharded; a search asks every shard and merges).
  const params: HnswParams = DEFAULT_HNSW;
  const idx = new HnswIndex('bench', DIM, params);
  log(`recall: building an HNSW index of ${N} vectors (M ${params.m}, efConstruction ${params.efConstruction}, ${params.shards} shards) on this thread …`);
  const t0 = performance.now();
  data.forEach((v, i) => idx.add({ id: String(i), type: 'observation', origin: 'bench', at: i, kind: 'state' }, v));
  const buildS = (performance.now() - t0) / 1000;
  log(`recall: exact top-10 of ${Q} queries by brute force …`);
  const flat = new Float32Array(N * DIM);
  data.forEach((v, i) => flat.set(v, i * DIM));
  const truth = queries.map((q) => new Set(exactTop(flat, N, q, 10)));
  const rows = [];
  for (const ef of [32, 64, 96, 128]) {
    // Same graphs, other ef: search the built index with a different ef through its params.
    (idx as unknown as { params: HnswParams }).params = { ...params, efSearch: ef };
    const times: number[] = [];
    let hit = 0;
    for (let i = 0; i < Q; i++) {
      const t = performance.now();
      const res = idx.search(queries[i]!, 10);
      times.push(performance.now() - t);
      for (const h of res) if (truth[i]!.has(Number(h.meta.id))) hit++;
    }
    times.sort((a, b) => a - b);
    rows.push({ efSearch: ef, recallAt10: hit / (Q * 10), p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) });
  }
  (idx as unknown as { params: HnswParams }).params = params;
  return { vectors: N, dim: DIM, queries: Q, m: params.m, efConstruction: params.efConstruction, shards: params.shards, defaultEfSearch: params.efSearch, buildSeconds: buildS, buildPerSecond: N / buildS, byEf: rows };
}

/** CPU seconds per thread of this process, from /proc (Linux); undefined elsewhere. Ticks of 10 ms. */
function threadCpu(): Map<number, { name: string; seconds: number }> | undefined {
  try {
    const out = new Map<number, { name: string; seconds: number }>();
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // After the name: state(0) … utime(11) stime(12), in clock ticks (100 per second on Linux).
      out.set(Number(tid), { name: stat.slice(stat.indexOf('(') + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Samples thread CPU every 50 ms (a worker's figures vanish with it) and keeps each thread's last. */
function watchThreads() {
  const start = threadCpu();
  const last = new Map(start);
  const timer = setInterval(() => {
    for (const [tid, v] of threadCpu() ?? []) last.set(tid, v);
  }, 50);
  return () => {
    clearInterval(timer);
    for (const [tid, v] of threadCpu() ?? []) last.set(tid, v);
    if (!start) return undefined;
    const used = (tid: number) => (last.get(tid)?.seconds ?? 0) - (start.get(tid)?.seconds ?? 0);
    const others = [...last.keys()].filter((tid) => tid !== process.pid).sort((a, b) => used(b) - used(a));
    // The index workers (one per shard, up to the cores) are the busiest other threads.
    return { mainThreadSeconds: used(process.pid), busiestOtherThreads: others.slice(0, DEFAULT_HNSW.shards).map((tid) => ({ name: last.get(tid)!.name, seconds: used(tid) })) };
  };
}

async function rebuildOnce(journal: Awaited<ReturnType<typeof openLevelJournal>>, dir: string, bulkThreshold?: number) {
  const v = new VectorsProjection(journal, createRegistry(), { dir, saveEvery: Number.MAX_SAFE_INTEGER, ...(bulkThreshold === undefined ? {} : { bulkThreshold }) });
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const threads = watchThreads();
  delay.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await v.start();
  await v.caughtUp();
  const indexS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  delay.disable();
  const perThread = threads();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const t1 = performance.now();
  // After a bulk build this is already done (its end is a save); after a main-thread one it writes.
  await v.save();
  const saveS = (performance.now() - t1) / 1000;
  const bulkBuilds = v.bulkBuilds;
  await v.stop();
  return {
    vectors: REBUILD, seconds: indexS, perSecond: REBUILD / indexS, cpuSeconds: cpuS, perCpuSecond: REBUILD / cpuS, saveSeconds: saveS, bulkBuilds,
    ...(perThread ?? {}), eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
  };
}

async function rebuildBench() {
  const dir = mkdtempSync(join(tmpdir(), 'smollama-agent-bench-'));
  try {
    const journal = await openLevelJournal(join(dir, 'journal'));
    const r = rng(3);
    const centres = Array.from({ length: 64 }, () => unit(Array.from({ length: DIM }, () => r.normal())));
    log(`rebuild: writing ${REBUILD} observation events with 384-d embeddings …`);
    for (let i = 0; i < REBUILD; i += 1000) {
      const vs = clustered(Math.min(1000, REBUILD - i), 100 + i, centres);
      await journal.append(vs.map((v, j) => ({
        type: 'observation.recorded',
        data: { text: `observation ${i + j}`, kind: 'state', confidence: 0.5, sources: ['system.cpu_temp'], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding: encodeEmbedding('all-minilm', v) },
      })));
    }
    let mainThread;
    if (flags.compare) {
      log('rebuild: replaying into a fresh index on the main thread alone (--compare) …');
      mainThread = await rebuildOnce(journal, join(dir, 'vectors-main'), Number.POSITIVE_INFINITY);
    }
    log('rebuild: replaying into a fresh index …');
    const loadAverage1m = loadavg()[0];
    const result = await rebuildOnce(journal, join(dir, 'vectors'));
    const t2 = performance.now();
    const again = new VectorsProjection(journal, createRegistry(), { dir: join(dir, 'vectors') });
    await again.start();
    const loadS = (performance.now() - t2) / 1000;
    await again.stop();
    await journal.close();
    return { ...result, loadSeconds: loadS, modelCalls: 0, loadAverage1mAtStart: loadAverage1m, ...(mainThread ? { mainThreadOnly: mainThread } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function promptBench() {
  const T0 = Date.UTC(2025, 0, 15, 12);
  let now = T0 - 25 * 3_600_000;
  const journal = await openMemoryJournal({ clock: { now: () => now } });
  const registry = createRegistry();
  const runners = new Map<string, ProjectionRunner<unknown>>();
  for (const p of allProjections) {
    const rr = new ProjectionRunner(journal, p, registry, { flushEvery: 1_000_000 });
    runners.set(p.name, rr);
    await rr.start();
  }
  const sources: Array<[string, string, string, number]> = [
    ['system.cpu_temp', '°C', 'CPU temperature', 47], ['system.cpu_usage', '%', 'CPU usage', 12], ['system.load_1', '', 'Load average (1 min)', 0.4],
    ['system.mem_used', '%', 'Memory used', 38], ['system.disk_used', '%', 'Disk used', 61], ['room.temperature', '°C', 'Room temperature', 21.5],
    ['room.humidity', '%', 'Humidity', 44], ['gpio.door', '', 'Door', 0],
  ];
  await journal.append(sources.map(([source, unitName, label]) => ({ type: 'source.registered', data: { source, provider: source.split('.')[0]!, simulated: false, label, ...(unitName ? { unit: unitName } : {}) } })));
  const r = rng(5);
  log('prompt: a day of readings for 8 sources …');
  for (let at = T0 - 24 * 3_600_000; at < T0; at += 5000) {
    now = at;
    const values: Record<string, number> = {};
    for (const [source, , , base] of sources) values[source] = source === 'gpio.door' ? (r.next() < 0.01 ? 1 : 0) : +(base * (1 + 0.05 * Math.sin(at / 3_600_000)) + r.normal() * 0.2).toFixed(2);
    await journal.appendOne('reading.sampled', { values });
  }
  now = T0;
  for (const rr of runners.values()) await rr.caughtUp();
  const views = { journal, runner: <S>(name: string) => runners.get(name) as ProjectionRunner<S> };
  const inputs = observerInputs(views);
  const windowMs = 15 * 60_000;
  const series = await inputs.series({ from: T0 - windowMs, to: T0 + 1, baselineFrom: T0 - windowMs - 24 * 3_600_000 });
  const stats = series.map(seriesStats).filter((s): s is SeriesStats => s !== undefined);
  const recent = [1, 2, 3].map((i) => ({ text: `CPU temperature steady around 47 °C; humidity ${40 + i} %, door closed.`, kind: 'state', method: 'llm' as const, at: T0 - i * windowMs }));
  const messages = observerMessages({ nodeName: 'kitchen', now: T0, windowMinutes: 15, stats, silent: [], recent, maxObservations: 5 });
  for (const rr of runners.values()) await rr.stop();
  await journal.close();
  return { sources: stats.length, readingsInWindow: 15 * 12, tokens: estimateTokens(messages), characters: messages.reduce((a, m) => a + m.content.length, 0), prompt: messages.map((m) => m.content).join('\n---\n') };
}

if (flags.only !== undefined && !['recall', 'rebuild', 'prompt'].includes(flags.only)) throw new TypeError(`--only recall, rebuild or prompt, not ${flags.only}`);
const part = (name: string) => flags.only === undefined || flags.only === name;
const recall = part('recall') ? await recallBench() : undefined;
const rebuild = part('rebuild') ? await rebuildBench() : undefined;
const prompt = part('prompt') ? await promptBench() : undefined;
const chosen = recall?.byEf.find((x) => x.efSearch === recall.defaultEfSearch);
const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version, loadAverage1m: loadavg()[0] },
  recall, rebuild, observerPrompt: prompt ? { ...prompt, prompt: undefined } : undefined,
  targets: {
    ...(chosen ? { 'recall@10 >= 0.95': chosen.recallAt10 >= 0.95, 'p50 <= 2 ms': chosen.p50Ms <= 2 } : {}),
    ...(rebuild ? { 'rebuild >= 5000 vectors/s': rebuild.perSecond >= 5000 } : {}),
    ...(prompt ? { 'observer prompt <= 1500 tokens': prompt.tokens <= 1500 } : {}),
  },
};
function rebuildLines(x: Awaited<ReturnType<typeof rebuildOnce>>, label: string): string[] {
  const f = (n: number, d = 2) => n.toFixed(d);
  const others = (x.busiestOtherThreads ?? []).map((o) => `${f(o.seconds)}`).join(' + ');
  const threads = x.mainThreadSeconds === undefined ? '' : `; main thread ${f(x.mainThreadSeconds)} CPU-s${others ? `, busiest other threads ${others} CPU-s` : ''}`;
  return [
    `${label}: ${x.vectors} vectors searchable in ${f(x.seconds)} s = ${f(x.perSecond, 0)} vectors/s wall (${f(x.perCpuSecond, 0)} per CPU-second of all threads, ${f(x.cpuSeconds)} CPU-s)${x.bulkBuilds ? `, bulk build in ${DEFAULT_HNSW.shards} shards` : ''}`,
    `    event loop delay p99 ${f(x.eventLoopDelayMs.p99, 0)} ms, max ${f(x.eventLoopDelayMs.max, 0)} ms${threads}`,
  ];
}

if (flags.json) {
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} else {
  const f = (x: number, d = 2) => x.toFixed(d);
  const lines = [
    `machine: ${result.machine.cpus} × ${result.machine.model}, node ${result.machine.node}, load average ${f(result.machine.loadAverage1m ?? 0)} at the end (figures are wall time; a busy machine slows them)`,
    ...(recall ? [
      `recall over ${recall.vectors} × ${recall.dim}-d clustered vectors, ${recall.queries} queries (HNSW M ${recall.m}, efConstruction ${recall.efConstruction}, ${recall.shards} shards searched and merged; built on one thread at ${f(recall.buildPerSecond, 0)} vectors/s):`,
      ...recall.byEf.map((x) => `  efSearch ${String(x.efSearch).padStart(3)}: recall@10 ${f(x.recallAt10, 3)}   p50 ${f(x.p50Ms, 3)} ms   p99 ${f(x.p99Ms, 3)} ms${x.efSearch === recall.defaultEfSearch ? '   (default)' : ''}`),
    ] : []),
    ...(rebuild ? [
      ...rebuildLines(rebuild, 'rebuild from the journal'),
      `  then: save ${f(rebuild.saveSeconds)} s (a bulk build's end is a save), load ${f(rebuild.loadSeconds)} s; 0 model calls; load average ${f(rebuild.loadAverage1mAtStart ?? 0)} at its start`,
      ...(rebuild.mainThreadOnly ? rebuildLines(rebuild.mainThreadOnly, '  same journal, main thread only (--compare)') : []),
    ] : []),
    ...(prompt ? [`observer prompt, ${prompt.sources} sources, 15 min window + 24 h baseline: ${prompt.tokens} tokens (≈ ${prompt.characters} characters / 4)`] : []),
    'targets:',
    ...Object.entries(result.targets).map(([k, ok]) => `  ${ok ? 'met    ' : 'MISSED '} ${k}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
