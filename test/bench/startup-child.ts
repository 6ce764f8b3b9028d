/**
 * One start-up measurement in a fresh process (peak RSS is the process's own). Prints one JSON line.
 *
 *   node test/bench/startup-child.ts cold|warm|rebuild <journal-dir>
 *
 * cold     drops every projection's checkpoint, then starts the node's projections (SmolNode.create:
 *          one journal pass for all) and waits until all are caught up
 * warm     the same with the checkpoints a previous run committed: open, load, caught up
 * rebuild  `journal rebuild` (rebuildProjections) of every projection
 */
import { openLevelJournal } from '../../core/journal/open-journal.js';
import { createRegistry } from '../../core/events/default-registry.js';
import { SmolNode } from '../../core/runtime/smol-node.js';
import { allProjections } from '../../projections/all.js';
import { rebuildProjections } from '../../journal-tools/rebuild.js';
import { msSince } from './stats.js';

export interface StartupChildResult {
  readonly mode: string;
  readonly events: number;
  /** From opening the journal until every projection is caught up. */
  readonly ms: number;
  /** CPU time of the process over the same span (all threads): the figure that holds on a loaded machine. */
  readonly cpuMs: number;
  readonly rssStartBytes: number;
  readonly rssPeakBytes: number;
  readonly heapPeakBytes: number;
  /** Per projection: commits, state chunk bytes and records committed, and the whole state's JSON size at the end. */
  readonly projections?: Record<string, { commits: number; chunkBytes: number; records: number; stateBytes: number }>;
}

let rssPeak = 0;
let heapPeak = 0;
let samples = 0;
// process.memoryUsage() walks every heap space (~0.3 ms here: ~4 % of a cold start's CPU when
// called every 20 ms); rss() is one read, so the heap is looked at every 10th sample only.
function sample(): void {
  const rss = process.memoryUsage.rss();
  if (rss > rssPeak) rssPeak = rss;
  if (samples++ % 10 !== 0) return;
  const heap = process.memoryUsage().heapUsed;
  if (heap > heapPeak) heapPeak = heap;
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

async function run(mode: string, dir: string): Promise<Omit<StartupChildResult, 'rssStartBytes' | 'rssPeakBytes' | 'heapPeakBytes'>> {
  if (mode === 'cold') {
    const j = await openLevelJournal(dir, { mustExist: true });
    for (const p of allProjections) await j.projectionStore(p.name).clear();
    await j.close();
  }
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const journal = await openLevelJournal(dir, { mustExist: true });
  try {
    const events = journal.lastPosition();
    if (mode === 'rebuild') {
      await rebuildProjections(journal, createRegistry(), allProjections);
      return { mode, events, ms: msSince(start), cpuMs: cpuMs(cpu) };
    }
    const node = await SmolNode.create({ journal, registry: createRegistry(), name: 'bench', role: 'alpaca', software: 'bench', projections: allProjections, schedules: [], sealIntervalMs: 60_000 });
    await Promise.all([...node.runners.values()].map((r) => r.caughtUp(events)));
    const ms = msSince(start);
    const cpuSpent = cpuMs(cpu);
    sample();
    await node.stop('bench');
    const projections: NonNullable<StartupChildResult['projections']> = {};
    for (const [name, r] of node.runners) projections[name] = { commits: r.commits, chunkBytes: r.committedChunkBytes, records: r.committedRecords, stateBytes: JSON.stringify(r.state).length };
    return { mode, events, ms, cpuMs: cpuSpent, projections };
  } finally {
    await journal.close();
  }
}

const [mode, dir] = process.argv.slice(2);
if (!dir || !['cold', 'warm', 'rebuild'].includes(mode ?? '')) {
  process.stderr.write('usage: startup-child.ts cold|warm|rebuild <journal-dir>\n');
  process.exit(2);
}
sample();
const rssStartBytes = rssPeak;
const timer = setInterval(sample, 20);
const result = await run(mode!, dir);
clearInterval(timer);
sample();
const out: StartupChildResult = { ...result, rssStartBytes, rssPeakBytes: rssPeak, heapPeakBytes: heapPeak };
process.stdout.write(JSON.stringify(out) + '\n');
