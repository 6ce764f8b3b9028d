/**
 * One replay measurement in a fresh process, so nothing earlier in the benchmark run (filled
 * journals, warmed heaps) shows in its figures. Prints one JSON line and exits.
 *
 *   node --import tsx test/bench/replay-child.ts raw|sublevel|replay <journal-dir>
 *
 * raw       classic-level iterator over the root database, bounded to the `log` sublevel's key
 *           range, nextv(1000), touching nothing: the floor any replay is compared with
 * sublevel  the same entries through abstract-level's `log` sublevel iterator (for reference)
 * replay    the sensors projection from an empty checkpoint through ProjectionRunner until
 *           caughtUp(); samples RSS every 10 ms and every 2,048 applied events
 */
import { ClassicLevel } from 'classic-level';
import { openLevelJournal, LEVEL_OPTIONS } from '../../core/journal/open-journal.js';
import { EventRegistry } from '../../core/events/registry.js';
import { coreEventSpecs } from '../../core/events/core-events.js';
import { ProjectionRunner } from '../../core/projection/runner.js';
import { sensorsProjection, type SensorsState } from '../../projections/sensors.js';
import type { Projection } from '../../core/projection/projection.js';
import { msSince } from './stats.js';

export interface ChildResult {
  readonly mode: string;
  readonly entries: number;
  readonly bytes: number;
  readonly ms: number;
  readonly perSecond: number;
  readonly rssStartBytes: number;
  readonly rssPeakBytes: number;
  readonly heapPeakBytes: number;
  readonly readings?: number;
}

let rssPeak = 0;
let heapPeak = 0;
function sample(): void {
  const m = process.memoryUsage();
  if (m.rss > rssPeak) rssPeak = m.rss;
  if (m.heapUsed > heapPeak) heapPeak = m.heapUsed;
}

async function raw(dir: string, viaSublevel: boolean): Promise<Omit<ChildResult, 'rssStartBytes' | 'rssPeakBytes' | 'heapPeakBytes'>> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { ...LEVEL_OPTIONS, keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false });
  await db.open();
  try {
    const it = viaSublevel
      ? db.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' }).iterator()
      : db.iterator({ gte: Buffer.from('!log!'), lt: Buffer.from('!log"') });
    let entries = 0;
    let bytes = 0;
    const start = process.hrtime.bigint();
    for (;;) {
      const batch = await it.nextv(1000);
      if (batch.length === 0) break;
      entries += batch.length;
      for (const [k, v] of batch) bytes += k.length + v.length;
    }
    const ms = msSince(start);
    await it.close();
    return { mode: viaSublevel ? 'sublevel' : 'raw', entries, bytes, ms, perSecond: entries / (ms / 1000) };
  } finally {
    await db.close();
  }
}

async function replay(dir: string): Promise<Omit<ChildResult, 'rssStartBytes' | 'rssPeakBytes' | 'heapPeakBytes'>> {
  const journal = await openLevelJournal(dir, { mustExist: true });
  try {
    await journal.projectionStore(sensorsProjection.name).clear(); // an earlier round left a checkpoint
    const registry = new EventRegistry().registerAll(coreEventSpecs);
    let applied = 0;
    const sampled: Projection<SensorsState> = {
      ...sensorsProjection,
      apply(state, event, emit) {
        if ((++applied & 2047) === 0) sample();
        return sensorsProjection.apply(state, event, emit);
      },
    };
    const runner = new ProjectionRunner(journal, sampled, registry);
    const target = journal.lastPosition();
    const start = process.hrtime.bigint();
    await runner.start();
    await runner.caughtUp(target);
    const ms = msSince(start);
    await runner.stop();
    let readings = 0;
    for (const sources of Object.values(runner.state.origins)) for (const s of Object.values(sources)) readings += s.count;
    return { mode: 'replay', entries: target, bytes: 0, ms, perSecond: target / (ms / 1000), readings };
  } finally {
    await journal.close();
  }
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  if (!dir || !['raw', 'sublevel', 'replay'].includes(mode ?? '')) {
    process.stderr.write('usage: replay-child.ts raw|sublevel|replay <journal-dir>\n');
    process.exit(2);
  }
  sample();
  const rssStartBytes = rssPeak;
  const timer = setInterval(sample, 10);
  const result = mode === 'replay' ? await replay(dir) : await raw(dir, mode === 'sublevel');
  clearInterval(timer);
  sample();
  const out: ChildResult = { ...result, rssStartBytes, rssPeakBytes: rssPeak, heapPeakBytes: heapPeak };
  process.stdout.write(JSON.stringify(out) + '\n');
}

await main();
