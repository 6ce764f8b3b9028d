/**
 * Soak benchmark (issue 11 item 6): a default node's journal after D simulated days, and the real
 * node run on it. A program, not a test: it prints what it measured and never fails on a figure.
 *
 *   node --import tsx test/bench/soak-bench.ts [--json] [--quick] [--days 1,30,365] [--live-seconds S]
 *       [--hz-days D] [--tsx] [--no-build] [--node-set key=value]… [--pre-move 365]
 *
 * The node runs as a Pi runs it: compiled (dist/, built first unless --no-build) with the flags and
 * MALLOC_ARENA_MAX of deploy/smollama.service (soak-node.ts PI_NODE_FLAGS; --tsx: from source, no cap).
 * Per size: fill D days of the default node's event mix (soak-mix.ts) through the journal API into
 * a data dir (sync off, time simulated to end now), compact it and measure it; start the real node
 * on it (no projection checkpoints yet: a cold start) and time it until every projection has
 * caught up, with its peak RSS (VmHWM); history queries for 24 h and 7 d over HTTP (median of 7);
 * stop; start again (warm) and time it; the migration: from then until the cold mover (its first
 * look is a minute in) and retention are idle (/api/health), fsyncs (strace -f -c) and bytes
 * written (/proc/<pid>/io write_bytes); a minute later the steady state for S seconds (default
 * 300): every write and sync by file (strace -f -y), write_bytes, RSS at the end (idle); stop;
 * a cold start again (checkpoints dropped) now that the old history is cold; `journal verify` and
 * `journal rebuild` with the node stopped. `--pre-move D,…`: for those sizes the history past the
 * hot window is moved cold right after the fill, unthrottled, as the node's mover would have done
 * a day at a time (a year's one-time migration would otherwise take over an hour of the run).
 * Separately, bytes per reading at 1 reading/s for 8 sources (disk-bench.ts, journal only), and where the bytes of the soak journal
 * go, by sublevel (log, idx, meta, each projection).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ClassicLevel } from 'classic-level';
import { openDataDirJournal } from '../../adapters/cli/data-dir.js';
import { allProjections } from '../../projections/all.js';
import { DAY_MS } from '../../core/journal/cold/cold-tier.js';
import { journalSection } from '../../adapters/config/sections/journal.js';
import { syncSection } from '../../adapters/config/sections/sync.js';
import { dirBytes, measureDisk } from './disk-bench.js';
import { printTable, type Figure } from './report.js';
import { fillSoakDataDir } from './soak-fill.js';
import { buildDist, countSyncs, historyLatency, PI_NODE_FLAGS, rssOf, startCaughtUp, stopNode, timedJournalCommand, traceWrites, waitHistoryIdle, type NodeRuntime, type WriteBreakdown } from './soak-node.js';

const MB = 2 ** 20;
const log = (line: string): void => void process.stderr.write(`soak: ${line}\n`);

/** Bytes of every file under `dir`, subdirectories included (the journal's cold/ files). */
function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0; // no cold/ before anything moved
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += treeBytes(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

/** Raw (uncompressed) key + value bytes per sublevel of the journal's LevelDB. */
export async function bytesBySublevel(dataDir: string): Promise<Record<string, number>> {
  const journal = await openDataDirJournal(dataDir, { mustExist: true, warn: () => undefined });
  const out: Record<string, number> = {};
  try {
    const db = journal.database as unknown as ClassicLevel<Buffer, Buffer>;
    for await (const [key, value] of db.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' } as never) as AsyncIterable<[Buffer, Buffer]>) {
      const k = key.toString('latin1');
      const name = /^!proj!!([^!]+)!/.exec(k)?.[1] ?? /^!([^!]+)!/.exec(k)?.[1] ?? '(root)';
      const group = k.startsWith('!proj!') ? `proj:${name}` : name;
      out[group] = (out[group] ?? 0) + key.length + value.length;
    }
  } finally {
    await journal.close();
  }
  return out;
}

/**
 * Moves the history past the default hot window (journal.hotDays, 7) into cold files, unthrottled, with the
 * settings of the node's mover (adapters/units/cold-history.ts): what a node that ran that long
 * has done a day at a time. Returns the files written.
 */
async function preMove(dataDir: string): Promise<number> {
  const journal = await openDataDirJournal(dataDir, { mustExist: true, warn: () => undefined });
  let files = 0;
  try {
    // The defaults a node's mover runs with (adapters/units/cold-history.ts reads the same keys).
    const journalDefaults = journalSection.parse({});
    const settings = { hotMs: journalDefaults.hotDays * DAY_MS, fileSpanMs: DAY_MS, maxEvents: journalDefaults.coldFileMaxEvents, now: () => Date.now(), cluster: syncSection.parse({}).cluster };
    while (await journal.moveCold(settings)) files++;
  } finally {
    await journal.close();
  }
  return files;
}

/** Drops every projection's checkpoint (node stopped), so the next start is a cold one: as after an upgrade that bumps a projection's version. */
async function dropCheckpoints(dataDir: string): Promise<void> {
  const journal = await openDataDirJournal(dataDir, { mustExist: true, warn: () => undefined });
  try {
    for (const p of allProjections) await journal.projectionStore(p.name).clear();
  } finally {
    await journal.close();
  }
}

async function compact(dataDir: string): Promise<void> {
  const journal = await openDataDirJournal(dataDir, { mustExist: true, warn: () => undefined });
  try {
    await (journal.database as unknown as ClassicLevel<Buffer, Buffer>).compactRange(Buffer.alloc(1, 0), Buffer.alloc(16, 0xff));
  } finally {
    await journal.close();
  }
}

export interface SoakOptions {
  /** How the node runs (soak-node.ts): `dist` (default) as a Pi, `tsx` from source. */
  readonly runtime: NodeRuntime;
  /** The steady-state window: seconds measured a minute after the cold mover and retention are idle. */
  readonly steadySeconds: number;
  /** `--set key=value` for the node (e.g. journal.readingsCommitMs=60000); none on defaults. */
  readonly sets: readonly string[];
  /** Sizes (days) whose history past the hot window is moved cold before the node first starts (`--pre-move`). */
  readonly preMove: readonly number[];
}

/** One live span's figures. */
export interface LiveSpan {
  seconds: number;
  fsyncsPerMinute: number | undefined;
  writeBytesPerMinute: number;
  /** write_bytes a minute × 1,440 ÷ (hot compacted journal ÷ days). */
  writtenPerDayOverKeptPerDay: number;
}

export interface SoakSize {
  days: number;
  runtime: NodeRuntime;
  events: number;
  readings: number;
  fillSeconds: number;
  diskBytes: number;
  bytesPerReading: number;
  /** The journal directory (LevelDB + cold files) once the mover and retention are idle, and its compacted LevelDB part is not forced. */
  diskBytesAfterMove: number;
  /** Of that, the cold files (and their directory's other files). */
  coldBytes: number;
  coldStartSeconds: number;
  coldPeakRssMB: number;
  /** A cold start again once the history past hotDays is cold (what an upgrade that bumps a projection does to a node that has run `days`). */
  coldAfterMoveSeconds: number;
  coldAfterMovePeakRssMB: number;
  warmStartSeconds: number;
  warmPeakRssMB: number;
  idleRssMB: number;
  /** From the warm start's catch-up until the cold mover and retention are idle: the one-time move of everything past hotDays. */
  migration: LiveSpan;
  /** A minute after that, for steadySeconds: a node's day. */
  steady: LiveSpan;
  steadyBreakdown: WriteBreakdown | undefined;
  loadAtStart: number;
  loadAtSteady: number;
  history24hMs: number;
  history7dMs: number;
  verifySeconds: number;
  rebuildSeconds: number;
  bytesBySublevel: Record<string, number>;
}

/** The cold mover's first look is journal.coldMoveIntervalMs (60 s on defaults) after the start. */
const FIRST_LOOK_S = 65;

async function soakSize(root: string, days: number, o: SoakOptions): Promise<SoakSize> {
  const dataDir = join(root, `soak-${days}d`, 'data');
  const loadAtStart = loadavg()[0]!;
  log(`${days} d: filling (load ${loadAtStart.toFixed(1)})`);
  const t0 = performance.now();
  const fill = await fillSoakDataDir(dataDir, { days, onProgress: (n, total) => log(`${days} d: ${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} ticks`) });
  const fillSeconds = (performance.now() - t0) / 1000;
  await compact(dataDir);
  const diskBytes = dirBytes(join(dataDir, 'journal'));
  if (o.preMove.includes(days)) {
    const t = performance.now();
    const files = await preMove(dataDir);
    await compact(dataDir);
    log(`${days} d: moved ${files} cold files before the first start, in ${((performance.now() - t) / 1000).toFixed(0)} s (${(treeBytes(join(dataDir, 'journal')) / MB).toFixed(1)} MB now, cold files included)`);
  }
  log(`${days} d: ${fill.events.toLocaleString('en-US')} events in ${fillSeconds.toFixed(0)} s, ${(diskBytes / MB).toFixed(1)} MB; cold start (${o.runtime})`);

  const cold = await startCaughtUp(dataDir, o.runtime, o.sets);
  const coldPeak = rssOf(cold.node.pid!).peak;
  log(`${days} d: caught up in ${(cold.ms / 1000).toFixed(1)} s, peak ${(coldPeak / MB).toFixed(0)} MB; history queries`);
  const h24 = await historyLatency(cold.base, '24h');
  const h7 = await historyLatency(cold.base, '7d');
  await stopNode(cold.node);

  // Live figures from the warm start on: the cold start's catch-up and its first projection
  // commits are one-off writes that say nothing about a node's day.
  log(`${days} d: warm start; migration until the cold mover and retention are idle`);
  const warm = await startCaughtUp(dataDir, o.runtime, o.sets);
  const warmPeak = rssOf(warm.node.pid!).peak;
  const pid = warm.node.pid!;
  const migrating = countSyncs(pid);
  await waitHistoryIdle(warm.base, { firstLookS: FIRST_LOOK_S, deadlineMs: 90 * 60_000 });
  const moved = await migrating.stop();
  log(`${days} d: idle after ${moved.seconds.toFixed(0)} s; a minute, then ${o.steadySeconds} s steady`);
  await new Promise((r) => setTimeout(r, 60_000));
  const loadAtSteady = loadavg()[0]!;
  const steady = await traceWrites(pid, o.steadySeconds, dataDir);
  await stopNode(warm.node);
  const diskBytesAfterMove = treeBytes(join(dataDir, 'journal'));
  const coldBytes = treeBytes(join(dataDir, 'journal', 'cold'));
  const bySublevel = await bytesBySublevel(dataDir);
  log(`${days} d: cold start again, now that the history past journal.hotDays is cold`);
  await dropCheckpoints(dataDir);
  const coldAgain = await startCaughtUp(dataDir, o.runtime, o.sets);
  const coldAgainPeak = rssOf(coldAgain.node.pid!).peak;
  await stopNode(coldAgain.node);
  log(`${days} d: caught up in ${(coldAgain.ms / 1000).toFixed(1)} s, peak ${(coldAgainPeak / MB).toFixed(0)} MB; journal verify, journal rebuild`);
  const verifySeconds = await timedJournalCommand('verify', dataDir, o.runtime);
  const rebuildSeconds = await timedJournalCommand('rebuild', dataDir, o.runtime);
  const keptPerDay = diskBytes / days;
  const span = (seconds: number, writeBytes: number, fsyncs: number | undefined): LiveSpan => {
    const perMinute = (writeBytes / seconds) * 60;
    return { seconds, fsyncsPerMinute: fsyncs === undefined ? undefined : (fsyncs / seconds) * 60, writeBytesPerMinute: perMinute, writtenPerDayOverKeptPerDay: (perMinute * 1440) / keptPerDay };
  };
  return {
    days,
    runtime: o.runtime,
    events: fill.events,
    readings: fill.readings,
    fillSeconds,
    diskBytes,
    bytesPerReading: diskBytes / fill.readings,
    diskBytesAfterMove,
    coldBytes,
    coldStartSeconds: cold.ms / 1000,
    coldPeakRssMB: coldPeak / MB,
    coldAfterMoveSeconds: coldAgain.ms / 1000,
    coldAfterMovePeakRssMB: coldAgainPeak / MB,
    warmStartSeconds: warm.ms / 1000,
    warmPeakRssMB: warmPeak / MB,
    idleRssMB: steady.rss / MB,
    migration: span(moved.seconds, moved.writeBytes, moved.fsyncs),
    steady: span(o.steadySeconds, steady.writeBytes, steady.breakdown?.fsyncs),
    steadyBreakdown: steady.breakdown,
    loadAtStart,
    loadAtSteady,
    history24hMs: h24.medianMs,
    history7dMs: h7.medianMs,
    verifySeconds,
    rebuildSeconds,
    bytesBySublevel: bySublevel,
  };
}

function figuresOf(s: SoakSize): Figure[] {
  const d = `${s.days} d`;
  const f = (name: string, value: number, unit: string, target?: number, note = '', better: 'lower' | 'higher' = 'lower'): Figure => ({ name: `soak ${d}: ${name}`, value, unit, target, better, note });
  const total = Object.values(s.bytesBySublevel).reduce((a, b) => a + b, 0);
  const split = Object.entries(s.bytesBySublevel)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${((v / total) * 100).toFixed(0)} %`)
    .join(', ');
  const kept = `${(s.diskBytes / s.days / MB).toFixed(2)} MB kept a day (hot, compacted)`;
  const breakdown = s.steadyBreakdown
    ? Object.entries(s.steadyBreakdown.byKind)
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([k, v]) => `${k}: ${(((v.bytes / s.steady.seconds) * 86_400) / MB).toFixed(1)} MB/day in ${v.writes} writes${v.syncs ? `, ${v.syncs} syncs` : ''}`)
        .join('; ')
    : 'strace not available';
  return [
    f('bytes on disk', s.diskBytes / MB, 'MB', undefined, `${s.events.toLocaleString('en-US')} events, ${s.readings.toLocaleString('en-US')} readings, filled in ${s.fillSeconds.toFixed(0)} s (load ${s.loadAtStart.toFixed(1)}); raw bytes by sublevel: ${split}`),
    f('bytes on disk per reading', s.bytesPerReading, 'B', undefined, 'compacted journal (log, idx, meta; no projection: they are written once the node runs)'),
    f('bytes on disk after the cold move', s.diskBytesAfterMove / MB, 'MB', undefined, `journal dir once the mover and retention are idle: LevelDB as the node left it ${((s.diskBytesAfterMove - s.coldBytes) / MB).toFixed(1)} MB + cold files ${(s.coldBytes / MB).toFixed(1)} MB`),
    f('migration: written ÷ kept', s.migration.writtenPerDayOverKeptPerDay, '×', undefined, `${(s.migration.writeBytesPerMinute / 1024).toFixed(0)} KiB a minute over the ${s.migration.seconds.toFixed(0)} s from the warm start to an idle mover vs ${kept}`),
    f('migration: fsyncs per minute', s.migration.fsyncsPerMinute ?? NaN, '/min', undefined, 'strace -f -c'),
    f('steady: written per day ÷ kept per day', s.steady.writtenPerDayOverKeptPerDay, '×', 3, `${(s.steady.writeBytesPerMinute / 1024).toFixed(0)} KiB a minute (write_bytes) over ${s.steady.seconds} s, a minute after the mover went idle (load ${s.loadAtSteady.toFixed(1)}), vs ${kept}; syscall bytes: ${breakdown}`),
    f('steady: fsyncs per minute', s.steady.fsyncsPerMinute ?? NaN, '/min', 10, `fsync + fdatasync of all threads (strace -f -y) over ${s.steady.seconds} s`),
    f('cold start until caught up', s.coldStartSeconds, 's', undefined, `no projection checkpoints, ${s.runtime === 'dist' ? `dist/ under ${PI_NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=1` : 'tsx, no heap cap'}; peak RSS ${s.coldPeakRssMB.toFixed(0)} MB`),
    f('cold start peak RSS', s.coldPeakRssMB, 'MB', 200, 'every day of the fill still in LevelDB (as after a large import)'),
    f('cold start after the move until caught up', s.coldAfterMoveSeconds, 's', undefined, `checkpoints dropped once the history past journal.hotDays is cold (as after an upgrade that bumps a projection); peak RSS ${s.coldAfterMovePeakRssMB.toFixed(0)} MB`),
    f('cold start after the move, peak RSS', s.coldAfterMovePeakRssMB, 'MB', 200),
    f('warm start until caught up', s.warmStartSeconds, 's', undefined, `peak RSS ${s.warmPeakRssMB.toFixed(0)} MB`),
    f('idle RSS while live', s.idleRssMB, 'MB', undefined, 'VmRSS at the end of the steady window'),
    f('history query 24 h', s.history24hMs, 'ms', undefined, 'GET /api/readings/history?source=system.cpu_temp&range=24h, median of 7'),
    f('history query 7 d', s.history7dMs, 'ms', undefined, 'range=7d (hour buckets), median of 7'),
    f('journal verify', s.verifySeconds, 's', undefined, 'smollama journal verify, node stopped (process start included)'),
    f('journal rebuild', s.rebuildSeconds, 's', undefined, 'smollama journal rebuild, node stopped (process start included)'),
  ];
}

/** Runs every size; never throws for one size's failure (it becomes a row). */
export async function runSoak(o: { quick: boolean; days?: number[]; liveSeconds?: number; hzDays?: number; runtime?: NodeRuntime; build?: boolean; sets?: string[]; preMove?: number[] }): Promise<{ figures: Figure[]; method: string[]; details: Record<string, unknown> }> {
  const days = o.days ?? (o.quick ? [1] : [1, 30]);
  const liveSeconds = o.liveSeconds ?? (o.quick ? 60 : 300);
  const runtime = o.runtime ?? 'dist';
  if (runtime === 'dist' && o.build !== false) buildDist(log);
  const root = mkdtempSync(join(tmpdir(), 'smollama-soak-'));
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  try {
    const hzDays = o.hzDays ?? (o.quick ? 0.1 : 1);
    log(`1 reading/s × 8 sources for ${hzDays} d (journal only)`);
    const hz = await measureDisk(join(root, 'hz'), Math.round(hzDays * 86_400), 'tick');
    details.oneHz = hz;
    figures.push({ name: 'bytes/reading at 1 Hz × 8 sources', value: hz.bytesPerReading, unit: 'B', target: 2, better: 'lower', note: `${hzDays} d, one event per tick, compacted journal alone (disk-bench.ts); projections not included` });
    for (const d of days) {
      try {
        const s = await soakSize(root, d, { runtime, steadySeconds: liveSeconds, sets: o.sets ?? [], preMove: o.preMove ?? [] });
        details[`${d}d`] = s;
        figures.push(...figuresOf(s));
      } catch (err) {
        figures.push({ name: `soak ${d} d: failed`, value: NaN, unit: '', target: undefined, better: 'lower', note: (err as Error).message.slice(0, 200) });
      }
      rmSync(join(root, `soak-${d}d`), { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const method = [
    `soak: test/bench/soak-bench.ts (see its header): sizes ${days.join(', ')} simulated days of the default node's mix (soak-mix.ts), node ${runtime === 'dist' ? `dist/ under ${PI_NODE_FLAGS.join(' ')}, MALLOC_ARENA_MAX=1` : 'tsx'}, steady window ${liveSeconds} s each${o.sets?.length ? `, node --set ${o.sets.join(' ')}` : ''}; ` +
      'written ÷ kept = write_bytes a minute × 1,440 ÷ (compacted hot journal ÷ days)',
  ];
  return { figures, method, details };
}

const isMain = process.argv[1]?.endsWith('soak-bench.ts');
if (isMain) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, days: { type: 'string' }, 'live-seconds': { type: 'string' }, 'hz-days': { type: 'string' }, tsx: { type: 'boolean', default: false }, 'no-build': { type: 'boolean', default: false }, 'node-set': { type: 'string', multiple: true }, 'pre-move': { type: 'string' } } });
  const started = Date.now();
  const load = loadavg()[0]!;
  const result = await runSoak({
    quick: values.quick,
    ...(values.days ? { days: values.days.split(',').map(Number) } : {}),
    ...(values['live-seconds'] ? { liveSeconds: Number(values['live-seconds']) } : {}),
    ...(values['hz-days'] ? { hzDays: Number(values['hz-days']) } : {}),
    runtime: values.tsx ? 'tsx' : 'dist',
    build: !values['no-build'],
    sets: values['node-set'] ?? [],
    ...(values['pre-move'] ? { preMove: values['pre-move'].split(',').map(Number) } : {}),
  });
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else printTable(result.figures, { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMB: Math.round(totalmem() / MB), node: process.version, loadAverageAtStart: load }, (Date.now() - started) / 1000, result.method);
}
