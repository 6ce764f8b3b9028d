/**
 * Where a journal's bytes are (issue 11 item 3, retention against journal.maxBytes): the files of
 * LevelDB and of the cold tier, and per key group (sublevel; per projection and snapshot slot) the
 * raw key + value bytes and LevelDB's own estimate of their size on disk (`approximateSize`: the
 * compressed tables that hold the range, tombstones included). A program's helper, not a test.
 *
 *   node --import tsx test/bench/retention-bench.ts <dataDir>   (the node stopped)
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { openDataDirJournal } from '../../adapters/cli/data-dir.js';

export interface JournalBytes {
  /** LevelDB's files (tables, logs, MANIFEST) by kind. */
  readonly level: { readonly ldb: number; readonly log: number; readonly other: number; readonly tables: number };
  readonly cold: { readonly files: number; readonly bytes: number };
  /** Per key group: keys, raw bytes, and LevelDB's estimate on disk. */
  readonly groups: Record<string, { keys: number; rawBytes: number; diskBytes: number }>;
}

function filesIn(dir: string): Array<{ name: string; size: number }> {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.map((name) => ({ name, st: statSync(join(dir, name)) })).filter((f) => f.st.isFile()).map((f) => ({ name: f.name, size: f.st.size }));
}

/** The group of a key: `!proj!!<name>!` and `!snap!!<name>!!<slot>!` per projection, else the first sublevel. */
function groupOf(key: string): string {
  const snap = /^!snap!!([^!]+)!!([^!]+)!/.exec(key);
  if (snap) return `snap:${snap[1]}:${snap[2]}`;
  const proj = /^!proj!!([^!]+)!/.exec(key);
  if (proj) return `proj:${proj[1]}`;
  return /^!([^!]+)!/.exec(key)?.[1] ?? '(root)';
}

/** Measures the journal of a stopped node's data directory. */
export async function journalBytes(dataDir: string): Promise<JournalBytes> {
  const dir = join(dataDir, 'journal');
  const level = { ldb: 0, log: 0, other: 0, tables: 0 };
  for (const f of filesIn(dir)) {
    if (f.name.endsWith('.ldb')) {
      level.ldb += f.size;
      level.tables++;
    } else if (f.name.endsWith('.log')) level.log += f.size;
    else level.other += f.size;
  }
  const coldFiles = filesIn(join(dir, 'cold'));
  const groups: JournalBytes['groups'] = {};
  const ranges = new Map<string, { first: Buffer; last: Buffer }>();
  const journal = await openDataDirJournal(dataDir, { mustExist: true, warn: () => undefined });
  try {
    const db = journal.database as unknown as ClassicLevel<Buffer, Buffer>;
    for await (const [key, value] of db.iterator({ keyEncoding: 'buffer', valueEncoding: 'buffer' } as never) as AsyncIterable<[Buffer, Buffer]>) {
      const g = groupOf(key.toString('latin1'));
      const e = (groups[g] ??= { keys: 0, rawBytes: 0, diskBytes: 0 });
      e.keys++;
      e.rawBytes += key.length + value.length;
      const r = ranges.get(g);
      if (r) r.last = key;
      else ranges.set(g, { first: key, last: key });
    }
    for (const [g, r] of ranges) groups[g]!.diskBytes = await db.approximateSize(r.first, Buffer.concat([r.last, Buffer.alloc(1)]));
  } finally {
    await journal.close();
  }
  return { level, cold: { files: coldFiles.length, bytes: coldFiles.reduce((n, f) => n + f.size, 0) }, groups };
}

/** One line per figure, MB with one decimal. */
export function formatJournalBytes(b: JournalBytes): string[] {
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const lines = [
    `LevelDB: ${mb(b.level.ldb)} in ${b.level.tables} tables, ${mb(b.level.log)} log, ${mb(b.level.other)} other; cold: ${mb(b.cold.bytes)} in ${b.cold.files} files; total ${mb(b.level.ldb + b.level.log + b.level.other + b.cold.bytes)}`,
  ];
  for (const [g, e] of Object.entries(b.groups).sort((x, y) => y[1].diskBytes - x[1].diskBytes)) {
    lines.push(`  ${g}: ${e.keys.toLocaleString('en-US')} keys, raw ${mb(e.rawBytes)}, on disk ~${mb(e.diskBytes)}`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new TypeError('usage: retention-bench.ts <dataDir>');
  for (const line of formatJournalBytes(await journalBytes(dir))) process.stdout.write(`${line}\n`);
}
