/**
 * Hardening benchmark, WebSocket part (issue 9, item 12): peak RSS of a node while one client sends
 * 1,000 subscribes from position 1 on one connection, and its RSS after the client has left.
 *
 *   node --import tsx test/bench/hardening-ws.ts [--quick]
 *
 * The node (a LevelDB journal of 100,000 readings, --quick 20,000, and its HTTP app) runs in a child
 * process (test/helpers/ws-node-child.ts); its VmRSS is read from /proc every 20 ms. The client
 * sends the subscribes in one burst, then waits until the last one has caught up to `live` and
 * closes. Traffic goes to 127.0.0.1 only; everything lives in a temp directory removed at the end.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { fillReadings, memoryOf } from '../helpers/ws-node-child.js';

const MB = 1024 * 1024;
const childScript = fileURLToPath(new URL('../helpers/ws-node-child.ts', import.meta.url));
const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the node child on a journal directory; resolves with it and its port. */
export async function startNodeChild(dir: string, ws: Record<string, unknown> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(childScript, [dir, JSON.stringify(ws)], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the node child did not start within 60 s')), 60_000);
    child.once('message', (m: { port: number }) => (clearTimeout(timer), resolve(m.port)));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the node child exited with ${code}`))));
  });
  return { child, port };
}

/** Asks the child for its WebSocket counters. */
export function childStats(child: ChildProcess): Promise<Record<string, number> | null> {
  return new Promise((resolve) => {
    const on = (m: { stats?: Record<string, number> | null }) => {
      if (!('stats' in m)) return;
      child.off('message', on);
      resolve(m.stats ?? null);
    };
    child.on('message', on);
    child.send({ op: 'stats' });
  });
}

/** Ends the child (asks, then kills it after 10 s). */
export async function stopNodeChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ op: 'exit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface Memory {
  rss: number;
  anon: number;
}
const memory = async (pid: number): Promise<Memory> => (await memoryOf(pid)) ?? { rss: NaN, anon: NaN };

/** What one client sending `subscribes` subscribes from position 1 did to a fresh node child. */
export interface SubscribeBurst {
  /** VmRSS and RssAnon (bytes) before, at the highest while the client was there, and after it left. */
  readonly base: Memory;
  readonly peak: Memory;
  readonly after: Memory;
  readonly answered: number;
  readonly errors: number;
  readonly received: number;
  readonly closeCode: number | undefined;
  readonly caughtUpMs: number;
  readonly held: Record<string, number> | null;
  readonly left: Record<string, number> | null;
}

/**
 * Starts a node child on `journalDir`, connects one client that sends `subscribes` subscribes from
 * position 1 in one burst, waits until the last one is live (at most `timeoutMs`), closes it, and
 * reads the child's RSS (every 20 ms) and WebSocket counters throughout.
 */
export async function subscribeBurst(journalDir: string, subscribes: number, ws: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<SubscribeBurst> {
  const { child, port } = await startNodeChild(journalDir, ws);
  try {
    await sleep(1000); // let start-up garbage settle before the baseline
    const base = await memory(child.pid!);
    const peak = { ...base };
    const sample = () =>
      memory(child.pid!).then((m) => {
        peak.rss = Math.max(peak.rss, m.rss);
        peak.anon = Math.max(peak.anon, m.anon);
      });
    const sampler = setInterval(() => void sample(), 20);
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    let answered = 0;
    let errors = 0;
    let live = false;
    let received = 0;
    let closeCode: number | undefined;
    socket.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { op: string; entries?: unknown[] };
      if (m.op === 'subscribed') answered++;
      if (m.op === 'error') errors++;
      if (m.op === 'live' && answered + errors === subscribes) live = true;
      received += m.entries?.length ?? 0;
    });
    socket.on('close', (code) => (closeCode = code));
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    const started = performance.now();
    for (let i = 0; i < subscribes; i++) socket.send(JSON.stringify({ op: 'subscribe', fromPosition: 1 }));
    while (!live && closeCode === undefined && performance.now() - started < timeoutMs) await sleep(20);
    const caughtUpMs = Math.round(performance.now() - started);
    const held = await childStats(child);
    await sample();
    const peakWhile = { ...peak };
    socket.close();
    // What is left once the client is gone and the node had time to collect: a leak stays.
    await sleep(2000);
    child.send({ op: 'gc' });
    await sleep(1000);
    clearInterval(sampler);
    const after = await memory(child.pid!);
    const left = await childStats(child);
    return { base, peak: peakWhile, after, answered, errors, received, closeCode, caughtUpMs, held, left };
  } finally {
    await stopNodeChild(child);
  }
}

export async function run(opts: { quick: boolean }): Promise<Record<string, number | string>> {
  const events = opts.quick ? 20_000 : 100_000;
  const subscribes = 1000;
  const dir = mkdtempSync(join(tmpdir(), 'smollama-hardening-ws-'));
  const figures: Record<string, number | string> = { journalEvents: events, subscribes };
  try {
    const journalDir = join(dir, 'journal');
    await fillReadings(journalDir, events);
    // The reference: one client catching up once from position 1 (what any dashboard may do).
    const one = await subscribeBurst(journalDir, 1);
    const burst = await subscribeBurst(journalDir, subscribes);
    const rise = (b: SubscribeBurst, at: 'peak' | 'after', part: keyof Memory) => round1((b[at][part] - b.base[part]) / MB);
    figures.rssBaselineMB = round1(burst.base.rss / MB);
    figures.rssPeakRiseMB = rise(burst, 'peak', 'rss');
    figures.rssAfterLeaveRiseMB = rise(burst, 'after', 'rss');
    figures.rssAnonPeakRiseMB = rise(burst, 'peak', 'anon');
    figures.rssAnonAfterLeaveRiseMB = rise(burst, 'after', 'anon');
    figures.rssPeakRiseOneSubscribeMB = rise(one, 'peak', 'rss');
    figures.rssAfterLeaveRiseOneSubscribeMB = rise(one, 'after', 'rss');
    figures.rssAnonPeakRiseOneSubscribeMB = rise(one, 'peak', 'anon');
    figures.lastCaughtUpMs = burst.caughtUpMs;
    figures.subscribedAnswers = burst.answered;
    figures.errorAnswers = burst.errors;
    figures.eventsReceived = burst.received;
    figures.closeCode = burst.closeCode ?? 'open';
    figures.subscriptionsHeld = burst.held?.subscriptions ?? 'not reported';
    figures.subscriptionsAfterLeave = burst.left?.subscriptions ?? 'not reported';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await run({ quick: process.argv.includes('--quick') });
  for (const [name, value] of Object.entries(figures)) process.stdout.write(`${name.padEnd(32)} ${value}\n`);
}
