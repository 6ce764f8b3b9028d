/**
 * Start-up figures for issue 11 (bounded start-up and rebuild): a journal of `events` sampling
 * ticks (8 sources each, as fill.ts writes), then, each in a fresh child process of plain node
 * (bundled by esbuild, as the replay children are): a cold start (no checkpoints) until every
 * projection is caught up, a warm start, and `journal rebuild` — time and peak RSS of each.
 *
 *   const figures = await startupBench({ events: 1_000_000, root: dir, log });
 *
 * `heapMb` passes --max-old-space-size to the children (npm start and the systemd unit use 160).
 */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { fillJournal } from './fill.js';
import { compactJournal } from './disk-bench.js';
import type { Figure } from './report.js';
import type { StartupChildResult } from './startup-child.js';
import { MB, msSince } from './stats.js';
import { PI_ENV } from './soak-node.js';

export interface StartupBenchOptions {
  readonly events: number;
  /** A scratch directory; the journal is made in it (a journal already there from an earlier run is reused). */
  readonly root: string;
  readonly log?: (line: string) => void;
  /** V8 old-space cap of the children in MB (default 160, as npm start); 0 for node's default. */
  readonly heapMb?: number;
}

export interface StartupBenchResult {
  readonly figures: Figure[];
  readonly cold: StartupChildResult;
  readonly warm: StartupChildResult;
  readonly rebuild: StartupChildResult;
}

async function bundle(): Promise<string> {
  const out = fileURLToPath(new URL(`../../node_modules/.cache/smollama-bench/startup-child-${process.pid}.mjs`, import.meta.url));
  await build({ entryPoints: [fileURLToPath(new URL('./startup-child.ts', import.meta.url))], outfile: out, bundle: true, packages: 'external', platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
  return out;
}

function child(script: string, mode: string, dir: string, heapMb: number): Promise<StartupChildResult> {
  // With a cap, as deploy/smollama.service runs the node: its semi-space flag and one malloc arena.
  const args = [...(heapMb > 0 ? [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=8'] : []), script, mode, dir];
  const env = heapMb > 0 ? { ...process.env, ...PI_ENV } : process.env;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`startup child (${mode}) failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as StartupChildResult);
    });
  });
}

/** Fills a journal and measures cold start, warm start and rebuild (see the file comment). */
export async function startupBench(options: StartupBenchOptions): Promise<StartupBenchResult> {
  const log = options.log ?? (() => undefined);
  const heapMb = options.heapMb ?? 160;
  const dir = join(options.root, 'startup');
  const started = process.hrtime.bigint();
  if (!existsSync(join(dir, 'CURRENT'))) {
    log(`startup: filling ${options.events} reading.sampled events (8 sources each)`);
    await fillJournal(dir, { ticks: options.events, shape: 'tick' });
    await compactJournal(dir);
    log(`startup: filled and compacted in ${(msSince(started) / 1000).toFixed(1)} s`);
  }
  const script = await bundle();
  try {
    log('startup: cold start (no checkpoints)');
    const cold = await child(script, 'cold', dir, heapMb);
    log('startup: warm start');
    const warm = await child(script, 'warm', dir, heapMb);
    log('startup: journal rebuild');
    const rebuild = await child(script, 'rebuild', dir, heapMb);
    const mb = (b: number) => b / MB;
    const heap = heapMb > 0 ? `, --max-old-space-size=${heapMb} --max-semi-space-size=8, ${Object.entries(PI_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}` : '';
    const state = Object.entries(cold.projections ?? {}).map(([n, p]) => `${n} ${p.commits} commits ${(p.chunkBytes / 1024).toFixed(0)} KB state, state ${(p.stateBytes / 1024).toFixed(1)} KB`).join('; ');
    const figures: Figure[] = [
      { name: `cold start, ${options.events.toLocaleString('en-US')} events, until caught up`, value: cold.ms / 1000, unit: 's', target: 5, better: 'lower', note: `all projections, one journal pass${heap}; ${(cold.cpuMs / 1000).toFixed(1)} s CPU` },
      { name: 'cold start peak RSS', value: mb(cold.rssPeakBytes), unit: 'MB', target: 200, better: 'lower', note: `heap peak ${mb(cold.heapPeakBytes).toFixed(0)} MB; ${state}` },
      { name: 'warm start until caught up', value: warm.ms / 1000, unit: 's', target: 1, better: 'lower', note: `peak RSS ${mb(warm.rssPeakBytes).toFixed(0)} MB` },
      { name: 'journal rebuild, all projections', value: rebuild.ms / 1000, unit: 's', target: undefined, better: 'lower', note: `peak RSS ${mb(rebuild.rssPeakBytes).toFixed(0)} MB, one journal pass, ${(rebuild.cpuMs / 1000).toFixed(1)} s CPU` },
    ];
    return { figures, cold, warm, rebuild };
  } finally {
    rmSync(script, { force: true });
  }
}
