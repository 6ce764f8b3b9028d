/**
 * LevelDB options for the default node's write pattern, measured in a child process so its
 * /proc/self/io counts only this journal's writes:
 *
 *   node --import tsx test/bench/soak-level.ts <dir> <days> '<LevelDB options JSON>' [sync|nosync]
 *
 * Fills `days` of the default mix (soak-mix.ts) written as a live node writes it (one synced batch
 * per 10-s readings window: 2 ticks; `nosync` leaves out the fsyncs, to see LevelDB's own
 * rewriting apart from the page rewrites of each fsync), then prints one JSON line: bytes written by the process
 * (write_bytes: what reached the block device, page rewrites of each fsync included), bytes kept
 * (the data dir after the fill, and after a full compaction), and seconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { openDataDirJournal } from '../../adapters/cli/data-dir.js';
import { dirBytes } from './disk-bench.js';
import { fillSoakDataDir } from './soak-fill.js';

/** This process's I/O counters (Linux). */
export function procIo(pid: number | 'self' = 'self'): { writeBytes: number; wchar: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { writeBytes: field('write_bytes'), wchar: field('wchar') };
}

const isMain = process.argv[1]?.endsWith('soak-level.ts');
if (isMain) {
  const [dataDir, days, json, syncArg] = process.argv.slice(2);
  const level = JSON.parse(json ?? '{}') as Record<string, number | boolean>;
  const started = performance.now();
  const before = procIo();
  const fill = await fillSoakDataDir(dataDir!, { days: Number(days), sync: syncArg !== 'nosync', ticksPerBatch: 2, level });
  const after = procIo();
  const keptBytes = dirBytes(join(dataDir!, 'journal'));
  const journal = await openDataDirJournal(dataDir!, { mustExist: true, warn: () => undefined, level });
  await (journal.database as unknown as ClassicLevel<Buffer, Buffer>).compactRange(Buffer.alloc(1, 0), Buffer.alloc(16, 0xff));
  await journal.close();
  const compactedBytes = dirBytes(join(dataDir!, 'journal'));
  process.stdout.write(
    JSON.stringify({ level, sync: syncArg !== 'nosync', ...fill, writeBytes: after.writeBytes - before.writeBytes, wchar: after.wchar - before.wchar, keptBytes, compactedBytes, seconds: (performance.now() - started) / 1000 }) + '\n',
  );
}
