/**
 * The soak benchmark's measurements of a real node (`smollama start`, its own process) on a
 * filled data directory: start until the projections are caught up, RSS, fsyncs and bytes written
 * while live, history query latency, and the offline `journal verify` and `journal rebuild`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, collect, repoRoot, spawnCli, waitForOutput, type CliResult } from '../helpers/cli.js';
import { procIo } from './soak-level.js';

/**
 * How the soak runs the node: `dist` as a Pi does (deploy/smollama.service): the compiled program
 * under PI_NODE_FLAGS with PI_ENV; `tsx` from source with no heap cap (the soak's first runs).
 */
export type NodeRuntime = 'dist' | 'tsx';
/** The V8 old-space cap of `npm start` and the systemd unit (MB). */
export const PI_HEAP_MB = 160;
/** node's flags in deploy/smollama.service and `npm start`. */
export const PI_NODE_FLAGS = [`--max-old-space-size=${PI_HEAP_MB}`, '--max-semi-space-size=8'];
/** The environment deploy/smollama.service sets for the process (besides NODE_ENV). */
export const PI_ENV = { MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' };
const distMain = join(repoRoot, 'dist', 'adapters', 'cli', 'main.js');

/** Compiles the program into dist/ (what `npm run build` does; the dashboard bundle only if missing). */
export function buildDist(log: (line: string) => void = () => undefined): void {
  log('building dist/ (tsc -p tsconfig.build.json)');
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'pipe' });
  } catch (err) {
    // tsc emits even when another file has a type error; only a missing output is fatal.
    if (!existsSync(distMain)) throw err;
    log('tsc reported errors (emitted anyway)');
  }
  if (!existsSync(join(repoRoot, 'ui', 'dist', 'index.html'))) execFileSync('npm', ['run', 'build:ui'], { cwd: repoRoot, stdio: 'pipe' });
}

/** `smollama <args>` the way `runtime` runs it; `heap` adds the Pi's V8 cap (the node, not the offline tools). */
function spawnSmollama(args: string[], runtime: NodeRuntime, heap: boolean): ChildProcess {
  if (runtime === 'tsx') return spawnCli(args);
  return spawn(process.execPath, [...(heap ? PI_NODE_FLAGS : []), distMain, ...args], { cwd: repoRoot, env: cleanEnv(PI_ENV), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A default node, except a free HTTP and broker port and a model host where nothing listens. */
export function startNode(dataDir: string, runtime: NodeRuntime = 'dist', sets: readonly string[] = []): ChildProcess {
  const extra = sets.flatMap((kv) => ['--set', kv]);
  return spawnSmollama(['start', '--data-dir', dataDir, '--port', '0', '--set', 'mqtt.embeddedPort=0', '--set', 'llm.host=http://127.0.0.1:9', ...extra], runtime, true);
}

/** VmRSS and VmHWM (the peak) of a process, in bytes. */
export function rssOf(pid: number): { rss: number; peak: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

interface Health {
  lastPosition: number;
  uptimeS?: number;
  units?: Array<{ name: string; state: string; message?: string }>;
  memory?: { level: string };
  projections?: Record<string, { position: number; lag: number }>;
}

/** Starts the node and resolves when every projection has caught up with the journal it found. */
export async function startCaughtUp(dataDir: string, runtime: NodeRuntime = 'dist', sets: readonly string[] = [], deadlineMs = 30 * 60_000): Promise<{ node: ChildProcess; base: string; ms: number }> {
  const started = performance.now();
  const node = startNode(dataDir, runtime, sets);
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

/**
 * Resolves when the node's background history work is idle: the cold mover has had its first
 * look (uptime past `firstLookS`), memory pressure is below high (which holds moves back), and
 * neither the mover nor retention says it is running, on `quiet`
 * polls in a row a second apart. Resolves with the seconds waited; throws after `deadlineMs`.
 */
export async function waitHistoryIdle(base: string, o: { firstLookS: number; deadlineMs: number; quiet?: number }): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  for (;;) {
    const h = (await (await fetch(new URL('/api/health', base))).json()) as Health;
    // Under high or critical memory pressure the mover is held back without running: not idle either.
    const held = h.memory?.level === 'high' || h.memory?.level === 'critical';
    const busy = held || (h.units ?? []).some((u) => (u.name === 'cold-history' || u.name === 'retention') && u.message !== undefined && /running|moving/.test(u.message));
    quiet = !busy && (h.uptimeS ?? 0) > o.firstLookS ? quiet + 1 : 0;
    if (quiet >= (o.quiet ?? 3)) return (performance.now() - started) / 1000;
    if (performance.now() - started > o.deadlineMs) throw new Error('the cold mover or retention did not become idle in time');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function stopNode(node: ChildProcess): Promise<void> {
  if (node.exitCode !== null) return;
  const exited = new Promise((resolve) => node.once('exit', resolve));
  node.kill('SIGTERM');
  await exited;
}

/** Counts fsync + fdatasync of all threads (strace -f -c) and write_bytes from now until stop(). */
export function countSyncs(pid: number): { stop(): Promise<{ fsyncs: number | undefined; writeBytes: number; wchar: number; seconds: number; rss: number }> } {
  const before = procIo(pid);
  const t0 = performance.now();
  const tasks = readdirSync(`/proc/${pid}/task`).join(',');
  const strace = spawn('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', '-p', tasks], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  strace.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const straceDone = new Promise<boolean>((resolve) => {
    strace.once('error', () => resolve(false));
    strace.once('exit', () => resolve(true));
  });
  return {
    async stop() {
      strace.kill('SIGINT');
      const ran = await straceDone;
      const after = procIo(pid);
      const seconds = (performance.now() - t0) / 1000;
      // strace -c rows: % time, seconds, usecs/call, calls, [errors], syscall.
      const calls = (name: string): number => {
        const row = out.split('\n').map((l) => l.trim().split(/\s+/)).find((cols) => cols[cols.length - 1] === name);
        return row ? Number(row[3]) : 0;
      };
      return {
        fsyncs: ran && /total/.test(out) ? calls('fsync') + calls('fdatasync') : undefined,
        writeBytes: after.writeBytes - before.writeBytes,
        wchar: after.wchar - before.wchar,
        seconds,
        rss: rssOf(pid).rss,
      };
    },
  };
}

/** Live figures over `seconds`: fsyncs (strace), bytes written (/proc/<pid>/io), RSS at the end. */
export async function liveFigures(pid: number, seconds: number): Promise<{ fsyncs: number | undefined; writeBytes: number; wchar: number; rss: number }> {
  const counting = countSyncs(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return counting.stop();
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

/** Runs `smollama journal <command> --data-dir` to completion (no heap cap: the bin's shebang has none); resolves with its seconds. Throws when it fails. */
export async function timedJournalCommand(command: 'verify' | 'rebuild', dataDir: string, runtime: NodeRuntime = 'dist'): Promise<number> {
  const t0 = performance.now();
  const r: CliResult = await collect(spawnSmollama(['journal', command, '--data-dir', dataDir], runtime, false));
  if (r.code !== 0) throw new Error(`journal ${command} exited ${r.code}: ${(r.stderr || r.stdout).slice(0, 300)}`);
  return (performance.now() - t0) / 1000;
}

/** Bytes written and calls by what a file is (LevelDB log, tables, manifest, cold files, status, logs …). */
export interface WriteBreakdown {
  fsyncs: number;
  byKind: Record<string, { writes: number; bytes: number; syncs: number }>;
}

/** What a written path is, for the breakdown (relative to the data dir). */
export function kindOfPath(path: string, dataDir: string): string {
  if (path.startsWith('pipe:')) return 'stdout/stderr (pipe, no disk)';
  if (path.startsWith('socket:') || path.startsWith('TCP') || path.includes('socket')) return 'sockets (no disk)';
  if (path.startsWith('anon_inode:')) return 'event fds (no disk)';
  if (!path.startsWith(dataDir)) return `outside the data dir: ${path.replace(/\d+/g, 'N')}`;
  const rel = path.slice(dataDir.length + 1);
  if (/^journal\/cold\//.test(rel)) return 'cold files + manifest';
  if (/^journal\/\d+\.log$/.test(rel)) return 'LevelDB log';
  if (/^journal\/\d+\.(ldb|sst)$/.test(rel)) return 'LevelDB tables (memtable flushes, compactions)';
  if (/^journal\/MANIFEST-/.test(rel)) return 'LevelDB MANIFEST';
  if (/^journal\//.test(rel)) return `LevelDB ${rel.slice('journal/'.length).replace(/\d+/g, 'N')}`;
  return rel.replace(/\d+/g, 'N');
}

/**
 * Every write, pwrite64, writev, fsync and fdatasync of all threads over `seconds` (strace -f -y),
 * summed by kindOfPath, with write_bytes and RSS as liveFigures gives them. Undefined breakdown
 * when strace cannot attach. Meant for quiet windows: strace slows every traced call.
 */
export async function traceWrites(pid: number, seconds: number, dataDir: string): Promise<{ breakdown: WriteBreakdown | undefined; writeBytes: number; wchar: number; rss: number }> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'soak-strace-'));
  const out = join(dir, 'trace');
  const before = procIo(pid);
  const tasks = readdirSync(`/proc/${pid}/task`).join(',');
  const strace = spawn('strace', ['-f', '-y', '-s', '0', '-o', out, '-e', 'trace=write,pwrite64,writev,fsync,fdatasync', '-p', tasks], { stdio: 'ignore' });
  const ran = new Promise<boolean>((resolve) => {
    strace.once('error', () => resolve(false));
    strace.once('exit', () => resolve(true));
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  strace.kill('SIGINT');
  const ok = await ran;
  const after = procIo(pid);
  let breakdown: WriteBreakdown | undefined;
  if (ok && existsSync(out)) {
    breakdown = { fsyncs: 0, byKind: {} };
    const pending = new Map<string, { call: string; path: string }>();
    const add = (call: string, path: string, ret: number) => {
      const k = (breakdown!.byKind[kindOfPath(path, dataDir)] ??= { writes: 0, bytes: 0, syncs: 0 });
      if (call === 'fsync' || call === 'fdatasync') {
        k.syncs++;
        breakdown!.fsyncs++;
      } else if (ret >= 0) {
        k.writes++;
        k.bytes += ret;
      }
    };
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      // "<tid> call(<fd></path>>, …) = ret", or split in "<unfinished ...>" and "<... call resumed>".
      const started = /^(\d+)\s+(write|pwrite64|writev|fsync|fdatasync)\(\d+<([^>]*)>/.exec(line);
      if (started) {
        const [, tid, call, path] = started;
        const done = /\)\s+=\s+(-?\d+)/.exec(line);
        if (done) add(call!, path!, Number(done[1]));
        else if (line.includes('<unfinished')) pending.set(tid!, { call: call!, path: path! });
        continue;
      }
      const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>.*=\s+(-?\d+)/.exec(line);
      if (resumed && pending.has(resumed[1]!)) {
        const p = pending.get(resumed[1]!)!;
        pending.delete(resumed[1]!);
        add(p.call, p.path, Number(resumed[3]));
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { breakdown, writeBytes: after.writeBytes - before.writeBytes, wchar: after.wchar - before.wchar, rss: rssOf(pid).rss };
}
