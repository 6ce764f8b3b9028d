/**
 * Issue 9 item 16, sampling under load. A program, not a test: it prints what it measured.
 *
 *   node --import tsx test/bench/hardening-sampling.ts [--quick] [--json] [--readers 0,32] [--seconds S]
 *
 * A real node (`smollama start`, its own process) in a temp directory samples its system and
 * GPIO providers every 100 ms each (20 ticks/s between them). For each reader count, the bench
 * keeps that many HTTP clients on 127.0.0.1 reading the API in a loop (latest readings, 24 h of
 * history, the last 500 journal entries, stats, nodes) for S seconds (default 15, --quick 5), then
 * reads the node's `reading.sampled` events of that window back from /api/journal. Figures per
 * reader count: readings journaled per second, ticks skipped (due minus journaled), the longest gap
 * between two readings of one provider, and how many API requests the readers got answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import { hlcWall } from '../../core/clock/hlc.js';
import type { Hlc } from '../../core/clock/hlc.js';

const INTERVAL_MS = 100;
const PROVIDERS = ['system', 'gpio'] as const;
const READER_PATHS = [
  '/api/readings/latest',
  '/api/readings/history?source=system.cpu_temp&range=24h',
  '/api/journal?limit=500&order=desc',
  '/api/stats',
  '/api/nodes',
];

interface Reading {
  readonly wall: number;
  readonly provider: string;
}

/** Keeps `n` readers busy until `stop` is set; resolves with the requests answered. */
async function readers(base: string, n: number, until: number): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      for (let k = i; Date.now() < until; k++) {
        try {
          const res = await fetch(new URL(READER_PATHS[k % READER_PATHS.length]!, base));
          await res.arrayBuffer();
          if (res.ok) ok++;
          else failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  return { ok, failed };
}

/** The node's readings journaled in [from, to), newest pages first, read after the window. */
async function readingsBetween(base: string, from: number, to: number): Promise<Reading[]> {
  const out: Reading[] = [];
  let before: number | undefined;
  for (;;) {
    const url = new URL(`/api/journal?types=reading.sampled&order=desc&limit=1000${before ? `&to=${before}` : ''}`, base);
    const page = (await (await fetch(url)).json()) as { entries: Array<{ position: number; event: { hlc: Hlc; data: { values: Record<string, number> } } }> };
    for (const e of page.entries) {
      const wall = hlcWall(e.event.hlc);
      if (wall >= from && wall < to) out.push({ wall, provider: Object.keys(e.event.data.values)[0]?.split('.')[0] ?? '?' });
    }
    const oldest = page.entries.at(-1);
    if (!oldest || hlcWall(oldest.event.hlc) < from || oldest.position <= 1) return out;
    before = oldest.position - 1;
  }
}

function figuresOf(readings: Reading[], from: number, to: number) {
  const seconds = (to - from) / 1000;
  const due = PROVIDERS.length * Math.floor((to - from) / INTERVAL_MS);
  let maxGapMs = 0;
  for (const p of PROVIDERS) {
    const walls = readings.filter((r) => r.provider === p).map((r) => r.wall).sort((a, b) => a - b);
    for (let i = 1; i < walls.length; i++) maxGapMs = Math.max(maxGapMs, walls[i]! - walls[i - 1]!);
  }
  return { perSecond: Math.round((readings.length / seconds) * 10) / 10, skipped: Math.max(0, due - readings.length), maxGapMs };
}

/** Starts the node, measures each reader count in turn, stops the node. */
export async function run(opts: { quick: boolean; readers?: number[]; seconds?: number }): Promise<Record<string, number | string>> {
  const seconds = opts.seconds ?? (opts.quick ? 5 : 15);
  const counts = opts.readers ?? [0, 32];
  const cwd = mkdtempSync(join(tmpdir(), 'smollama-bench-sampling-'));
  const sets = ['mqtt.enabled=false', 'observer.enabled=false', `sensors.system.intervalMs=${INTERVAL_MS}`, `sensors.gpio.intervalMs=${INTERVAL_MS}`, 'sensors.gpio.mode=simulated'];
  const node = spawnCli(['start', '--data-dir', join(cwd, 'data'), '--port', '0', ...sets.flatMap((s) => ['--set', s])]);
  let stderr = '';
  node.stderr?.on('data', (d) => (stderr += d));
  const figures: Record<string, number | string> = { 'sampling interval (ms), providers': `${INTERVAL_MS}, ${PROVIDERS.length}`, 'window per reader count (s)': seconds };
  try {
    const line = await waitForOutput(node, /dashboard: (\S+)/, 60_000);
    const base = line.replace('dashboard: ', '');
    await sleep(2000); // warm-up: the first ticks, the JIT, the projections catching up
    for (const n of counts) {
      const from = Date.now();
      const served = await readers(base, n, from + seconds * 1000);
      // With no readers the window is a plain wait: it measures the sampler alone.
      if (n === 0) await sleep(Math.max(0, from + seconds * 1000 - Date.now()));
      const to = Date.now();
      const f = figuresOf(await readingsBetween(base, from, to), from, to);
      figures[`readings/s, ${n} readers`] = f.perSecond;
      figures[`ticks skipped, ${n} readers`] = f.skipped;
      figures[`longest gap (ms), ${n} readers`] = f.maxGapMs;
      if (n > 0) figures[`API requests/s answered, ${n} readers`] = Math.round(served.ok / ((to - from) / 1000));
      if (served.failed > 0) figures[`API requests failed, ${n} readers`] = served.failed;
    }
  } finally {
    node.kill('SIGTERM');
    await new Promise((resolve) => (node.exitCode !== null ? resolve(undefined) : node.once('exit', resolve)));
    rmSync(cwd, { recursive: true, force: true });
  }
  if (/Error|at .*\.ts:\d+/.test(stderr)) figures['node stderr'] = stderr.slice(0, 300);
  return figures;
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('hardening-sampling.ts');
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, json: { type: 'boolean' }, readers: { type: 'string' }, seconds: { type: 'string' } } });
  const figures = await run({
    quick: values.quick ?? false,
    ...(values.readers ? { readers: values.readers.split(',').map(Number) } : {}),
    ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
  });
  if (values.json) console.log(JSON.stringify(figures));
  else for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(44)} ${v}`);
}
