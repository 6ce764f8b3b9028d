/**
 * `npm run bench`: the journal's figures next to the targets of issue 2. A program, not a test:
 * it prints what it measured and never fails on a slow figure.
 *
 *   npm run bench [-- --json] [-- --quick] [-- --only append,latency,replay,disk]
 *                 [-- --events N] [-- --days D] [-- --rounds R] [-- --prof]
 *                 [-- --sync] [-- --agent] [-- --ws] [-- --hardening] [-- --all]
 *
 * --sync, --agent, --ws and --hardening also run those benchmark programs (each in its own process, with --json
 * and --quick passed on) and put their figures in the same table; --all runs all four. --only
 * takes their names too (`--only sync` runs the sync benchmark alone).
 *
 * Everything happens in a fresh temp directory that is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureAppendLatency, measureAppendThroughput } from './append-bench.js';
import { compactJournal, measureDisk, NINETY_DAY_READINGS } from './disk-bench.js';
import { fillJournal } from './fill.js';
import type { ChildResult } from './replay-child.js';
import { PI_ENV, PI_NODE_FLAGS } from './soak-node.js';
import { MB, msSince } from './stats.js';
import { printTable, type Figure } from './report.js';
import { agentFigures, runBenchProgram, wsFigures, type ProgramFigures } from './programs.js';

const PHASES = ['append', 'latency', 'replay', 'disk'] as const;
const PROGRAMS = ['sync', 'agent', 'ws', 'hardening', 'soak', 'endurance', 'vision-node'] as const;
/** Long programs that --all leaves out. */
const LONG: readonly string[] = ['soak', 'endurance', 'vision-node'];
type Phase = (typeof PHASES)[number] | (typeof PROGRAMS)[number];

const { values: flags } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    events: { type: 'string' },
    days: { type: 'string' },
    rounds: { type: 'string' },
    'append-events': { type: 'string' },
    writers: { type: 'string' },
    prof: { type: 'boolean', default: false },
    sync: { type: 'boolean', default: false },
    agent: { type: 'boolean', default: false },
    ws: { type: 'boolean', default: false },
    hardening: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    endurance: { type: 'boolean', default: false },
    'vision-node': { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (flags.help) {
  process.stdout.write(`usage: npm run bench -- [--json] [--quick] [--only ${[...PHASES, ...PROGRAMS].join(',')}] [--sync] [--agent] [--ws] [--hardening] [--all]
  --events N          events in the replay journal (default 1,000,000; --quick 200,000)
  --days D            simulated days for bytes per reading (default 1; --quick 0.25)
  --rounds R          rounds of append and replay, best taken (default 3 and 2; --quick 1)
  --append-events N   events in the throughput run (default 200,000; --quick 50,000)
  --writers N         concurrent appenders (default 256)
  --prof              write V8 CPU profiles of the replay children to ./bench-profiles
  --sync, --agent, --ws, --hardening   also run test/bench/{sync,agent,ws,hardening}-bench.ts and print their figures here
  --soak              also run test/bench/soak-bench.ts (1 and 30 simulated days, the real node on each; ~10 min; --quick: 1 day)
  --endurance         also run test/bench/endurance-bench.ts (start-up of 1M events, cold bytes/reading, GPIO edge latency; ~5-10 min)
  --vision-node       also run test/bench/vision-node-bench.ts (CPU of a node watching a camera, still and busy scene; ~5 min, --quick ~2 min)
  --all               all four, not --soak, --endurance or --vision-node (adds ~2-3 min; with --quick ~40 s)
`);
  process.exit(0);
}

const quick = flags.quick;
const num = (s: string | undefined, dflt: number): number => (s === undefined ? dflt : Number(s.replaceAll('_', '')));
const config = {
  replayEvents: num(flags.events, quick ? 200_000 : 1_000_000),
  days: num(flags.days, quick ? 0.25 : 1),
  rounds: num(flags.rounds, quick ? 1 : 2),
  // Appends are short and the most sensitive to other load on the machine: more rounds.
  appendRounds: num(flags.rounds, quick ? 1 : 3),
  appendEvents: num(flags['append-events'], quick ? 50_000 : 200_000),
  writers: num(flags.writers, 256),
  latencySamples: quick ? 500 : 2000,
};
const only = new Set<Phase>([...(flags.only ? (flags.only.split(',') as Phase[]) : PHASES), ...PROGRAMS.filter((p) => (flags.all && !LONG.includes(p)) || flags[p])]);
for (const p of only) if (!(PHASES as readonly string[]).includes(p) && !(PROGRAMS as readonly string[]).includes(p)) throw new TypeError(`--only: unknown phase ${p} (one of ${[...PHASES, ...PROGRAMS].join(', ')})`);

const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
/**
 * The replay children run as plain JavaScript on plain node, like `npm start` runs dist/: under
 * tsx the loader's worker thread alone adds ~40 MB of RSS that a node in production never has.
 * esbuild bundles our sources; packages stay external, so the bundle lives inside node_modules to resolve them.
 */
const childBundle = fileURLToPath(new URL(`../../node_modules/.cache/smollama-bench/replay-child-${process.pid}.mjs`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'smollama-bench-'));
const cleanup = (): void => {
  rmSync(root, { recursive: true, force: true });
  rmSync(childBundle, { force: true }); // only ours: another run may be using the directory
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const figures: Figure[] = [];
const details: Record<string, unknown> = { config };
const method: string[] = [];

let bundled: Promise<void> | undefined;
function bundleChild(): Promise<void> {
  bundled ??= build({
    entryPoints: [fileURLToPath(new URL('./replay-child.ts', import.meta.url))],
    outfile: childBundle,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  }).then(() => undefined);
  return bundled;
}

async function runChild(mode: 'raw' | 'raw-default' | 'raw-values' | 'sublevel' | 'replay', dir: string): Promise<ChildResult> {
  await bundleChild();
  const prof = flags.prof ? ['--cpu-prof', '--cpu-prof-dir=bench-profiles', `--cpu-prof-name=${mode}-${Date.now()}.cpuprofile`] : [];
  return new Promise((resolve, reject) => {
    // With the flags and environment of `npm start` and the systemd unit: the RSS a Pi's node has.
    execFile(process.execPath, [...PI_NODE_FLAGS, ...prof, childBundle, mode, dir], { maxBuffer: 1 << 20, env: { ...process.env, ...PI_ENV } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`replay child (${mode}) failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

async function appendPhase(): Promise<void> {
  const runs = [];
  for (let round = 1; round <= config.appendRounds; round++) {
    log(`append throughput: round ${round}/${config.appendRounds}: ${config.appendEvents} events, ${config.writers} concurrent writers, fsync on`);
    runs.push(await measureAppendThroughput(join(root, `append-${round}`), config.appendEvents, config.writers));
  }
  const r = runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
  const others = runs.filter((x) => x !== r).map((x) => Math.round(x.eventsPerSecond).toLocaleString('en-US'));
  details.append = runs;
  figures.push({
    name: 'durable append, group-committed',
    value: r.eventsPerSecond,
    unit: 'events/s',
    target: 50_000,
    better: 'higher',
    note: `${r.eventsPerBatch.toFixed(0)} events per fsync, ${r.cpuMicrosPerEvent.toFixed(1)} µs CPU per event${others.length ? `; other rounds ${others.join(', ')}` : ''}`,
  });
  method.push(
    `append: ${config.writers} concurrent loops each awaiting journal.append([one reading.sampled with 8 sources]), fsync on (sync: true), ` +
      `${config.appendEvents} events after a 2,000-event warm-up, readings generated as appended, fresh journal per round, best of ${config.appendRounds}`,
  );
}

async function latencyPhase(): Promise<void> {
  log(`append latency: ${config.latencySamples} sequential appends, fsync on`);
  const r = await measureAppendLatency(join(root, 'latency'), config.latencySamples);
  details.latency = r;
  figures.push({ name: 'single append latency p50', value: r.p50Ms, unit: 'ms', target: undefined, better: 'lower', note: '' });
  figures.push({ name: 'single append latency p99', value: r.p99Ms, unit: 'ms', target: 10, better: 'lower', note: `max ${r.maxMs.toFixed(2)} ms` });
  method.push(`latency: ${config.latencySamples} appends of one event, each awaited before the next, fsync on`);
}

async function replayPhase(): Promise<void> {
  const dir = join(root, 'replay');
  log(`replay: filling ${config.replayEvents} reading.sampled events (8 sources each)`);
  const start = process.hrtime.bigint();
  const fill = await fillJournal(dir, { ticks: config.replayEvents, shape: 'tick' });
  log(`replay: filled ${fill.events} events in ${(msSince(start) / 1000).toFixed(1)} s; compacting`);
  await compactJournal(dir);
  const raws: ChildResult[] = [];
  const defaults: ChildResult[] = [];
  const valuesOnly: ChildResult[] = [];
  const replays: ChildResult[] = [];
  for (let round = 1; round <= config.rounds; round++) {
    log(`replay: round ${round}/${config.rounds}: raw iteration (two read-aheads, values only), projection replay (each in a fresh process)`);
    raws.push(await runChild('raw', dir));
    defaults.push(await runChild('raw-default', dir));
    valuesOnly.push(await runChild('raw-values', dir));
    replays.push(await runChild('replay', dir));
  }
  const best = (rs: ChildResult[]): ChildResult => rs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const raw = best(raws);
  const rawDefault = best(defaults);
  const rawValues = best(valuesOnly);
  const replay = best(replays);
  const peak = replays.reduce((a, b) => (b.rssPeakBytes > a.rssPeakBytes ? b : a));
  const mb = (b: number | undefined): string => (b === undefined ? '?' : (b / MB).toFixed(0));
  const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)} %`;
  details.replay = { fill, raw: raws, rawDefault: defaults, rawValues: valuesOnly, replay: replays };
  figures.push({
    name: 'raw classic-level iteration',
    value: raw.perSecond,
    unit: 'entries/s',
    target: undefined,
    better: 'higher',
    note: `keys and values, the journal's 256 KB read-ahead; ${raw.cpuMicrosPerEntry.toFixed(2)} µs CPU/entry; ${(raw.bytes / raw.entries).toFixed(0)} B/entry`,
  });
  figures.push({
    name: 'raw iteration, default read-ahead',
    value: rawDefault.perSecond,
    unit: 'entries/s',
    target: undefined,
    better: 'higher',
    note: `classic-level's 16 KB highWaterMarkBytes; ${rawDefault.cpuMicrosPerEntry.toFixed(2)} µs CPU/entry`,
  });
  figures.push({
    name: 'raw iteration, values only',
    value: rawValues.perSecond,
    unit: 'entries/s',
    target: undefined,
    better: 'higher',
    note: `as the journal's catch-up reads (keys off, no empty key Buffers); ${rawValues.cpuMicrosPerEntry.toFixed(2)} µs CPU/entry`,
  });
  figures.push({
    name: 'replay into sensors projection',
    value: replay.perSecond,
    unit: 'events/s',
    target: undefined,
    better: 'higher',
    note: `${replay.cpuMicrosPerEntry.toFixed(2)} µs CPU/event; ${replay.readings?.toLocaleString('en-US')} readings applied`,
  });
  figures.push({
    name: 'replay / raw iteration',
    value: (replay.perSecond / raw.perSecond) * 100,
    unit: '%',
    target: 50,
    better: 'higher',
    note: `vs default read-ahead ${pct(replay.perSecond, rawDefault.perSecond)}, vs values only ${pct(replay.perSecond, rawValues.perSecond)}; by CPU time ${pct(raw.cpuMicrosPerEntry, replay.cpuMicrosPerEntry)}`,
  });
  figures.push({
    name: `peak RSS replaying ${(fill.events / 1e6).toFixed(1)}M events`,
    value: peak.rssPeakBytes / MB,
    unit: 'MB',
    target: 150,
    better: 'lower',
    note:
      `${mb(peak.rssPeakAnonBytes)} MB anon + ${mb(peak.rssPeakFileBytes)} MB file-backed, of which LevelDB's mmapped tables ` +
      `${mb(peak.rssTablesAtEndBytes)} MB at the end; ${mb(peak.rssStartBytes)} MB at process start; raw iteration peaks at ${mb(raw.rssPeakBytes)} MB`,
  });
  if (peak.rssTablesAtEndBytes !== undefined) {
    figures.push({
      name: '  the same, less mapped LevelDB tables',
      value: (peak.rssPeakBytes - peak.rssTablesAtEndBytes) / MB,
      unit: 'MB',
      target: undefined,
      better: 'lower',
      note: 'what the process itself holds: node, V8 heap, LevelDB caches (mapped table pages are clean page cache)',
    });
  }
  method.push(
    `replay: ${fill.events} events (1 tick of 8 sources each, 1 s apart, seals included) written with sync off, compacted (as a long-running ` +
      `journal mostly is, and so no background compaction competes), closed; then per round, each in a fresh plain-node process: ` +
      `raw = classic-level iterator over the root db bounded to the log sublevel's keys, nextv(1000), doing nothing, with the journal's ` +
      `read-ahead (and, for reference, with classic-level's default, and values only as the journal's catch-up reads); replay = ProjectionRunner(sensors) from an empty checkpoint until ` +
      `caughtUp(), state and records committed every 10,000 events; best of ${config.rounds} round(s) each; the ratio is best replay / best raw`,
    `RSS: sampled every 20 ms and every 8,192 applied events in the replay process, highest peak of all rounds; anon/file split from ` +
      `/proc/self/status at the peak; mapped LevelDB tables from /proc/self/smaps (*.ldb) when the replay ends`,
  );
}

async function diskPhase(): Promise<void> {
  const ticks = Math.round(config.days * 86_400);
  log(`disk: ${config.days} simulated day(s) = ${ticks} ticks, one event per tick`);
  const tick = await measureDisk(join(root, 'disk-tick'), ticks, 'tick');
  log(`disk: ${config.days} simulated day(s) = ${ticks * 8} events, one event per reading`);
  const reading = await measureDisk(join(root, 'disk-reading'), ticks, 'reading');
  details.disk = { tick, reading };
  const gb = (b: number): string => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(0)} MB`);
  figures.push({ name: 'bytes/reading, one event per tick (8 readings)', value: tick.bytesPerReading, unit: 'B', target: 20, better: 'lower', note: `90 days ≈ ${gb(tick.ninetyDayBytes)}` });
  figures.push({ name: 'bytes/reading, one event per reading', value: reading.bytesPerReading, unit: 'B', target: undefined, better: 'lower', note: `90 days ≈ ${gb(reading.ninetyDayBytes)}` });
  method.push(
    `disk: ${config.days} day(s) of 1 Hz sampling of 8 sources (seeded random walks) with the HLC fed simulated time (+1 s per tick), ` +
      `then compactRange over the whole keyspace, close, sum of all files in the data dir (journal only, no projection); ` +
      `90 days = bytes/reading × ${NINETY_DAY_READINGS.toLocaleString('en-US')} readings`,
  );
}

/** Runs another benchmark program and adds its figures, method and details. */
async function programPhase(program: (typeof PROGRAMS)[number]): Promise<void> {
  log(`${program}: running test/bench/${program}-bench.ts${quick ? ' --quick' : ''} (its own process)`);
  const out = await runBenchProgram(program, quick);
  const got: ProgramFigures =
    program === 'sync' || program === 'hardening' || program === 'soak' || program === 'endurance' || program === 'vision-node'
      ? { figures: (out as { figures: Figure[] }).figures, method: (out as { method: string[] }).method }
      : program === 'agent'
        ? agentFigures(out)
        : wsFigures(out);
  figures.push(...got.figures);
  method.push(...got.method);
  details[program] = out;
}

const started = process.hrtime.bigint();
const loadAtStart = loadavg()[0]!;
try {
  if (only.has('append')) await appendPhase();
  if (only.has('latency')) await latencyPhase();
  if (only.has('replay')) await replayPhase();
  if (only.has('disk')) await diskPhase();
  for (const program of PROGRAMS) if (only.has(program)) await programPhase(program);
} finally {
  cleanup();
}
const machine = { loadAverageAtStart: loadAtStart, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryMB: Math.round(totalmem() / MB), node: process.version, platform: process.platform };
const seconds = msSince(started) / 1000;
if (flags.json) {
  process.stdout.write(JSON.stringify({ machine, seconds, quick, figures: figures.map(withVerdict), method, details }) + '\n');
} else {
  printTable(figures, machine, seconds, method);
}

function withVerdict(f: Figure): Omit<Figure, 'target'> & { target: number | null; pass: boolean | null } {
  const pass = f.target === undefined ? null : f.better === 'higher' ? f.value >= f.target : f.value <= f.target;
  return { ...f, target: f.target ?? null, pass };
}
