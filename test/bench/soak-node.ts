/**
 * The soak benchmark's measurements of a real node (`smollama start`, its own process) on a
 * filled data directory: start until the projections are caught up, RSS, fsyncs and bytes written
 * while live, history query latency, and the offline `journal verify` and `journal rebuild`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { spawnCli, runCli, waitForOutput } from '../helpers/cli.js';
import { procIo } from './soak-level.js';

/** A default node, except a free HTTP and broker port and a model host where nothing listens. */
export function startNode(dataDir: string): ChildProcess {
  return spawnCli(['start', '--data-dir', dataDir, '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'llm.host=http://127.0.0.1:9']);
}

/** VmRSS and VmHWM (the peak) of a process, in bytes. */
export function rssOf(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

interface Health {
  lastPosition: number;
  projections?: Record<string, { position: number; lag: number }>;
}

/** Starts the node and resolves when every projection has caught up with the journal it found. */
export async function startCaughtUp(dataDir: string, deadlineMs = 30 * 60_000): Promise<{ node: ChildProcess; base: string; ms: number }> {
  const started = performance.now();
  const node = startNode(dataDir);
  node.stderr?.resume();
  const line = await waitForOutput(node, /dashboard: (\S+)/, deadlineMs);
  const base = line.replace('dashboard: ', '');
  for (;;) {
    const h = (await (await fetch(new URL('/api/health', base))).json()) as Health;
    const projections = Object.values(h.projections ?? {});
    if (projections.length > 0 && projections.every((p) => p.lag === 0)) break;
    if (performance.now() - started > deadlineMs) throw new Error('projections did not catch up in time');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { node, base, ms: performance.now() - started };
}

export async function stopNode(node: ChildProcess): Promise<void> {
  if (node.exitCode !== null) return;
  const exited = new Promise((resolve) => node.once('exit', resolve));
  node.kill('SIGTERM');
  await exited;
}

/** Live figures over `seconds`: fsyncs (strace), bytes written (/proc/<pid>/io), RSS at the end. */
export async function liveFigures(pid: number, seconds: number): Promise<{ fsyncs: number | undefined; writeBytes: number; wchar: number; rss: number }> {
  const { readdirSync } = await import('node:fs');
  const before = procIo(pid);
  const tasks = readdirSync(`/proc/${pid}/task`).join(',');
  const strace = spawn('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-p', tasks], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  strace.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const straceDone = new Promise<boolean>((resolve) => {
    strace.once('error', () => resolve(false));
    strace.once('exit', () => resolve(true));
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  strace.kill('SIGINT');
  const ran = await straceDone;
  const after = procIo(pid);
  // strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall.
  const calls = (name: string): number => {
    const row = out.split('\n').map((l) => l.trim().split(/\s+/)).find((cols) => cols[cols.length - 1] === name);
    return row ? Number(row[3]) : 0;
  };
  return {
    fsyncs: ran && /total/.test(out) ? calls('fsync') + calls('fdatasync') : undefined,
    writeBytes: after.writeBytes - before.writeBytes,
    wchar: after.wchar - before.wchar,
    rss: rssOf(pid).rss,
  };
}

/** Median latency of `n` history queries (ms). */
export async function historyLatency(base: string, range: '24h' | '7d', n = 7): Promise<{ medianMs: number; points: number }> {
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(new URL(`/api/readings/history?source=system.cpu_temp&range=${range}`, base));
    const body = (await res.json()) as { points?: unknown[] };
    times.push(performance.now() - t0);
    points = body.points?.length ?? 0;
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(n / 2)]!, points };
}

/** Runs `smollama journal <command> --data-dir` to completion; resolves with its seconds. Throws when it fails. */
export async function timedJournalCommand(command: 'verify' | 'rebuild', dataDir: string): Promise<number> {
  const t0 = performance.now();
  const r = await runCli(['journal', command, '--data-dir', dataDir]);
  if (r.code !== 0) throw new Error(`journal ${command} exited ${r.code}: ${(r.stderr || r.stdout).slice(0, 300)}`);
  return (performance.now() - t0) / 1000;
}
