/**
 * The parent side of test/helpers/ws-node-child.ts: start a node in a child process, read its
 * memory and WebSocket counters, and drive one client through a burst of subscribes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { waitFor } from './wait-for.js';

/** Fills a journal with `events` small readings (no fsync: a fixture, not a durability test). */
export async function fillReadings(dir: string, events: number): Promise<void> {
  const journal = await openLevelJournal(dir, { sync: false });
  try {
    let i = journal.lastPosition();
    while (i < events) {
      const n = Math.min(1000, events - i);
      await journal.append(Array.from({ length: n }, (_, k) => ({ type: 'reading.sampled' as const, data: { values: { 'test.temp': 20 + ((i + k) % 100) / 10, 'test.humidity': 40 + ((i + k) % 7) } } })));
      i += n;
    }
  } finally {
    await journal.close();
  }
}

/** VmRSS and its anonymous part (RssAnon: heap, not the LevelDB files mapped) of a process in bytes, or undefined. */
export async function memoryOf(pid: number): Promise<{ rss: number; anon: number } | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  const anon = /^RssAnon:\s+(\d+) kB/m.exec(status)?.[1];
  return rss === undefined || anon === undefined ? undefined : { rss: Number(rss) * 1024, anon: Number(anon) * 1024 };
}

export interface Memory {
  rss: number;
  anon: number;
}
const memory = async (pid: number): Promise<Memory> => (await memoryOf(pid)) ?? { rss: NaN, anon: NaN };

const childScript = fileURLToPath(new URL('./ws-node-child.ts', import.meta.url));

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

/** Sends the child a request and resolves with its answer (the first message carrying `key`). */
function ask<T>(child: ChildProcess, op: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      child.off('message', on);
      resolve(m[key] as T);
    };
    child.on('message', on);
    child.send({ op });
  });
}

/** The child's WebSocket counters (null when the route exposes none). */
export const childStats = (child: ChildProcess) => ask<Record<string, number> | null>(child, 'stats', 'stats');

/** Has the child collect garbage (it runs with --expose-gc), so what is still held is what is referenced. */
export const childGc = (child: ChildProcess) => ask<boolean>(child, 'gc', 'gced');

/** Ends the child (asks, then kills it after 10 s). */
export async function stopNodeChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send({ op: 'exit' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** What one client sending `subscribes` subscribes from position 1 did to a fresh node child. */
export interface SubscribeBurst {
  /** VmRSS and RssAnon (bytes) before, at the highest while the client was there, and after it left. */
  readonly base: Memory;
  readonly peak: Memory;
  readonly after: Memory;
  readonly answered: number;
  readonly errors: number;
  readonly received: number;
  /** The journal's last position when the client connected (hello). */
  readonly lastPosition: number;
  /** The close code if the node closed the connection before the last subscribe was live. */
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
    await childGc(child);
    const base = await memory(child.pid!);
    const peak = { ...base };
    const sample = () =>
      memory(child.pid!).then((m) => {
        peak.rss = Math.max(peak.rss, m.rss);
        peak.anon = Math.max(peak.anon, m.anon);
      });
    const sampler = setInterval(() => void sample(), 20);
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      let answered = 0;
      let errors = 0;
      let live = false;
      let received = 0;
      let lastPosition = NaN;
      let closeCode: number | undefined;
      socket.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { op: string; entries?: unknown[]; lastPosition?: number };
        if (m.op === 'hello') lastPosition = m.lastPosition ?? NaN;
        if (m.op === 'subscribed') answered++;
        if (m.op === 'error') errors++;
        if (m.op === 'live' && answered + errors === subscribes) live = true;
        received += m.entries?.length ?? 0;
      });
      socket.on('close', (code) => (closeCode = code));
      await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
      const started = performance.now();
      for (let i = 0; i < subscribes; i++) socket.send(JSON.stringify({ op: 'subscribe', fromPosition: 1 }));
      await waitFor(() => live || closeCode !== undefined, { timeoutMs, message: 'the last subscribe to be live' });
      const caughtUpMs = Math.round(performance.now() - started);
      const closedByNode = closeCode;
      const held = await childStats(child);
      await sample();
      const peakWhile = { ...peak };
      socket.close();
      // What is left once the client is gone and garbage is collected: a leak stays.
      await waitFor(async () => {
        const s = await childStats(child);
        return !s || (s.connections === 0 && s.readers === 0 && s.liveGroups === 0);
      }, { timeoutMs: 10_000, message: 'the node to let go of the client' });
      await childGc(child);
      const after = await memory(child.pid!);
      const left = await childStats(child);
      return { base, peak: peakWhile, after, answered, errors, received, lastPosition, closeCode: closedByNode, caughtUpMs, held, left };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await stopNodeChild(child);
  }
}
