import t from 'tap';
import { join } from 'node:path';
import { openLevelJournal } from '../core/journal/open-journal.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { freeBytes, REPAIR_MIN_FREE_BYTES } from '../adapters/cli/disk-watch.js';
import { fillDisk, freeDisk, mountSmallDisk, smallDiskUnavailable } from './helpers/small-disk.js';
import { waitFor } from './helpers/wait-for.js';

// The journal on a real full filesystem (issue 9, item 6): an append that failed is never
// acknowledged, every acknowledged one survives a restart, and writes resume by themselves.
const skip = smallDiskUnavailable();

async function withRepair(dir: string): Promise<LevelJournal> {
  const journal = await openLevelJournal(join(dir, 'journal'));
  journal.enableRepair({ roomToWrite: async () => ((await freeBytes(dir)) ?? 0) >= REPAIR_MIN_FREE_BYTES });
  return journal;
}

/** Appends until `n` were acknowledged or refused; returns the acknowledged positions. */
async function appendReadings(journal: LevelJournal, n: number, tag: string): Promise<{ acknowledged: number[]; refused: string[] }> {
  const acknowledged: number[] = [];
  const refused: string[] = [];
  for (let i = 0; i < n; i++) {
    await journal.appendOne('reading.sampled', { values: { [`${tag}.${i % 7}`]: i } }).then(
      (e) => void acknowledged.push(e.position),
      (err: { code?: string }) => void refused.push(err.code ?? String(err)),
    );
  }
  return { acknowledged, refused };
}

for (const latched of [false, true]) {
  t.test(`after a full disk${latched ? ' and an error LevelDB latched' : ''}, writes resume and every acknowledged append survives a restart`, { skip }, async (t) => {
    const disk = mountSmallDisk(t);
    let journal = await withRepair(disk);
    const acknowledged: number[] = [];
    acknowledged.push(...(await appendReadings(journal, 50, 'before')).acknowledged);

    const filler = fillDisk(disk);
    const whileFull = await appendReadings(journal, 100, 'full');
    t.ok(whileFull.refused.length > 0, `appends on a full disk are refused (${whileFull.refused.length} of 100)`);
    t.ok(whileFull.refused.every((c) => c === 'SMOL_DISK_FULL'), 'with SMOL_DISK_FULL');
    acknowledged.push(...whileFull.acknowledged);
    t.equal(journal.writeFault()?.code, 'SMOL_DISK_FULL', 'the journal reports the fault');
    if (latched) {
      // A memtable flush on a full disk: LevelDB keeps that error until the database is reopened.
      const db = journal.database as unknown as { compactRange(a: Buffer, b: Buffer): Promise<void> };
      await db.compactRange(Buffer.from([0]), Buffer.from([0xff])).catch(() => undefined);
    }

    freeDisk(filler);
    await waitFor(() => journal.writeFault() === undefined, { timeoutMs: 10_000, message: 'the journal to repair itself once space is freed' });
    const after = await appendReadings(journal, 500, 'after');
    t.same(after.refused, [], 'with room again every append is acknowledged');
    acknowledged.push(...after.acknowledged);
    const last = journal.lastPosition();
    await journal.close();

    journal = await openLevelJournal(join(disk, 'journal'));
    t.teardown(() => journal.close());
    t.equal(journal.lastPosition(), last, 'the journal reopens at its last acknowledged position');
    let missing = 0;
    for (const position of acknowledged) if (!(await journal.getAt(position))) missing += 1;
    t.equal(missing, 0, `all ${acknowledged.length} acknowledged appends are there after a restart`);
  });
}
