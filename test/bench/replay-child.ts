/**
 * One replay measurement in a fresh process, so nothing earlier in the benchmark run (filled
 * journals, warmed heaps) shows in its figures. Prints one JSON line and exits.
 *
 *   node --import tsx test/bench/replay-child.ts raw|raw-default|raw-values|sublevel|replay <journal-dir>
 *
 * raw       classic-level iterator over the root database, bounded to the `log` sublevel's key
 *           range, nextv(1000), touching nothing: the floor any replay is compared with
 * raw-values the same, values only, the way the journal's catch-up reads (for reference)
 * sublevel  the same entries through abstract-level's `log` sublevel iterator (for reference)
 * replay    the sensors projection from an empty checkpoint through ProjectionRunner until
 *           caughtUp(); samples RSS every 20 ms and every 8,192 applied events
 */
import { readFileSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { openLevelJournal, LEVEL_OPTIONS } from '../../core/journal/open-journal.js';
import { READ_AHEAD_BYTES, VALUES_ONLY_KEY_ENCODING } from '../../core/journal/level-journal.js';
import { EventRegistry } from '../../core/events/registry.js';
import { coreEventSpecs } from '../../core/events/core-events.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { sensorsProjection, type SensorsState } from '../../projections/sensors.js';
import type { Projection } from '../../core/projection/projection.js';
import { MB, msSince } from './stats.js';

export interface ChildResult {
  readonly mode: string;
  readonly entries: number;
  readonly bytes: number;
  readonly ms: number;
  readonly perSecond: number;
  /** CPU time of the process (all threads) over the measured part, per entry. */
  readonly cpuMicrosPerEntry: number;
  /** CPU time of the main (JavaScript) thread alone, per entry; Linux only. */
  readonly jsThreadMicrosPerEntry?: number;
  readonly rssStartBytes: number;
  readonly rssPeakBytes: number;
  readonly heapPeakBytes: number;
  /** At the RSS peak: anonymous memory (heap, LevelDB's caches and buffers) and file-backed pages (mmapped tables, code). */
  readonly rssPeakAnonBytes?: number;
  readonly rssPeakFileBytes?: number;
  /** Resident pages of LevelDB's mmapped table files (*.ldb) when the replay ends, from /proc/self/smaps. */
  readonly rssTablesAtEndBytes?: number;
  readonly readings?: number;
}

type Measured = Pick<ChildResult, 'mode' | 'entries' | 'bytes' | 'ms' | 'perSecond' | 'cpuMicrosPerEntry' | 'jsThreadMicrosPerEntry' | 'readings' | 'rssTablesAtEndBytes'>;

let rssPeak = 0;
let heapPeak = 0;
/** Anonymous and file-backed RSS (kB → bytes) at the RSS peak, from /proc/self/status (Linux only). */
let split: { anon: number; file: number } | undefined;
let splitAt = 0;
function sample(): void {
  const m = process.memoryUsage();
  if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
  if (m.rss > rssPeak) {
    // Reading /proc costs ~50 µs: only when the peak moved by a megabyte.
    if (m.rss > splitAt + MB || split === undefined) {
      split = rssSplit();
      splitAt = m.rss;
    }
    rssPeak = m.rss;
  }
}

/** Resident bytes of mappings of LevelDB table files, or undefined where /proc is not there. */
function tableMappedBytes(): number | undefined {
  try {
    let total = 0;
    let inTable = false;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inTable = line.endsWith('.ldb');
      else if (inTable && line.startsWith('Rss:')) total += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
    }
    return total;
  } catch {
    return undefined;
  }
}

function rssSplit(): { anon: number; file: number } | undefined {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

/** CPU time of the main thread in µs (utime + stime from /proc, 10 ms ticks), or NaN off Linux. */
function jsThreadMicros(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000; // fields 14 and 15 of stat(5), in ticks of 1/100 s
  } catch {
    return NaN;
  }
}

function perEntry(micros: number, entries: number): { jsThreadMicrosPerEntry?: number } {
  return Number.isFinite(micros) ? { jsThreadMicrosPerEntry: micros / entries } : {};
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** How the raw baselines read: the journal's read-ahead, classic-level's default, values only as catch-up reads, or through the sublevel. */
type RawMode = 'raw' | 'raw-default' | 'raw-values' | 'sublevel';

async function raw(dir: string, mode: RawMode): Promise<Measured> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { ...LEVEL_OPTIONS, keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
  await db.open();
  try {
    // highWaterMarkBytes is classic-level's own iterator option; abstract-level's types do not list it.
    const readAhead = (mode === 'raw-default' ? {} : { highWaterMarkBytes: READ_AHEAD_BYTES }) as object;
    const valuesOnly = (mode === 'raw-values' ? { keys: false, keyEncoding: VALUES_ONLY_KEY_ENCODING } : {}) as object;
    const it =
      mode === 'sublevel'
        ? db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' }).iterator(readAhead)
        : db.iterator({ gte: Buffer.from('!log!'), lt: Buffer.from('!log"'), ...readAhead, ...valuesOnly });
    let entries = 0;
    let bytes = 0;
    const cpu = process.cpuUsage();
    const js = jsThreadMicros();
    const start = process.hrtime.bigint();
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      entries += batch.length;
      for (const [k, v] of batch) bytes += (k?.length ?? 0) + v.length;
    }
    const ms = msSince(start);
    const cpuMicrosPerEntry = cpuMicros(cpu) / entries;
    const jsThread = perEntry(jsThreadMicros() - js, entries);
    sample();
    const rssTablesAtEndBytes = tableMappedBytes();
    await it.close();
    return { mode, entries, bytes, ms, perSecond: entries / (ms / 1000), cpuMicrosPerEntry, ...jsThread, ...(rssTablesAtEndBytes !== undefined ? { rssTablesAtEndBytes } : {}) };
  } finally {
    await db.close();
  }
}

async function replay(dir: string): Promise<Measured> {
  const journal = await openLevelJournal(dir, { mustExist: true });
  try {
    await journal.projectionStore(sensorsProjection.name).clear(); // an earlier round left a checkpoint
    const registry = new EventRegistry().registerAll(coreEventSpecs);
    let applied = 0;
    const sampled: Projection<SensorsState> = {
      ...sensorsProjection,
      apply(state, event, emit) {
        if ((++applied & 8191) === 0) sample();
        return sensorsProjection.apply(state, event, emit);
      },
    };
    const runner = new ProjectionRunner(journal, sampled, registry);
    const target = journal.lastPosition();
    const cpu = process.cpuUsage();
    const js = jsThreadMicros();
    const start = process.hrtime.bigint();
    await runner.start();
    await runner.caughtUp(target);
    const ms = msSince(start);
    const cpuMicrosPerEntry = cpuMicros(cpu) / target;
    const jsThread = perEntry(jsThreadMicros() - js, target);
    sample();
    const rssTablesAtEndBytes = tableMappedBytes();
    await runner.stop();
    let readings = 0;
    for (const sources of Object.values(runner.state.origins)) for (const s of Object.values(sources)) readings += s.count;
    return { mode: 'replay', entries: target, bytes: 0, ms, perSecond: target / (ms / 1000), cpuMicrosPerEntry, ...jsThread, readings, ...(rssTablesAtEndBytes !== undefined ? { rssTablesAtEndBytes } : {}) };
  } finally {
    await journal.close();
  }
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  if (!dir || !['raw', 'raw-default', 'raw-values', 'sublevel', 'replay'].includes(mode ?? '')) {
    process.stderr.write('usage: replay-child.ts raw|raw-default|raw-values|sublevel|replay <journal-dir>\n');
    process.exit(2);
  }
  sample();
  const rssStartBytes = rssPeak;
  const timer = setInterval(sample, 20);
  const result = mode === 'replay' ? await replay(dir) : await raw(dir, mode as RawMode);
  clearInterval(timer);
  sample();
  const out: ChildResult = {
    ...result,
    rssStartBytes,
    rssPeakBytes: rssPeak,
    heapPeakBytes: heapPeak,
    ...(split ? { rssPeakAnonBytes: split.anon, rssPeakFileBytes: split.file } : {}),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
