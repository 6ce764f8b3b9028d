import t from 'tap';
import pino from 'pino';
import { join } from 'node:path';
import type { ClassicLevel } from 'classic-level';
import { configSchema } from '../adapters/config/schema.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import { filesBytes, retentionUnit } from '../adapters/units/retention.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes } from '../core/errors.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { createProjections } from '../projections/all.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { T0, collect, fillDays, moveAllCold } from './helpers/retention-fixtures.js';

const registry = createRegistry();

t.test('retention keeps LevelDB + cold files within journal.maxBytes when the hot part fits, and says SMOL_JOURNAL_OVER_BUDGET when it does not', async (t) => {
  const dataDir = tempDir(t);
  const dir = join(dataDir, 'journal');
  const clock = { t: T0 };
  const journal = await openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
  t.teardown(() => journal.close());
  const db = journal.database as unknown as ClassicLevel<Buffer, Buffer>;
  await fillDays(journal, clock, 16, 30_000);
  const [sensors] = createProjections();
  const runner = new ProjectionRunner(journal, sensors!, registry);
  await runner.start();
  await runner.caughtUp(journal.lastPosition());
  await runner.stop();
  const records = await collect(journal.projectionStore(sensors!.name).records({}));
  const files = await moveAllCold(journal, clock);
  const manifest = journal.coldManifest!;
  t.ok(files >= 6, `${files} cold files to drop from`);

  const unitIn = (maxBytes: number) => {
    const unit = retentionUnit();
    const config = configSchema.parse({ dataDir, journal: { maxBytes, coldMoveIntervalMs: 3_600_000 } });
    const context: UnitContext = { config, log: pino({ level: 'silent' }), shelf: new Shelf(), output: undefined as never, stopReason: () => 'test' };
    context.shelf.put('journal', journal);
    return { unit, start: () => unit.start(context) };
  };
  const used = async () => (await filesBytes(dir)) + manifest.totalBytes();

  await t.test('snapshots: one compressed copy stays, the previous slot is gone, and a restore gives the records back', async (t) => {
    const first = await journal.projectionSnapshots.take(sensors!.name);
    const second = await journal.projectionSnapshots.take(sensors!.name);
    t.equal(second!.keys, first!.keys);
    const snapKeys = await collect(db.keys({ gte: Buffer.from('!snap!!sensors!'), lt: Buffer.from('!snap!!sensors"') } as never) as AsyncIterable<Buffer>);
    const slots = new Set(snapKeys.map((k) => /^!snap!!sensors!!([ab])!/.exec(k.toString('latin1'))?.[1]));
    t.same([...slots], ['b'], 'only the current slot (the second take wrote b) holds keys');
    t.ok(snapKeys.length * 100 < first!.keys, `compressed chunks: ${snapKeys.length} keys for ${first!.keys} entries`);
    await journal.projectionStore(sensors!.name).clear();
    t.ok(await journal.projectionSnapshots.restore(sensors!.name, sensors!.version), 'restored');
    t.same(await collect(journal.projectionStore(sensors!.name).records({})), records, 'record for record as before');
  });

  // Compacted, with its snapshot: what retention cannot drop.
  await db.compactRange(Buffer.alloc(1, 0), Buffer.alloc(16, 0xff));
  const hot = await filesBytes(dir);

  await t.test('a budget that holds the hot part and some cold files is met once the oldest are dropped', async (t) => {
    const budget = hot + Math.round(manifest.totalBytes() * 0.4) + 64 * 1024;
    t.ok((await used()) > budget, 'over the budget before');
    const { unit, start } = unitIn(budget);
    await start();
    t.teardown(() => unit.stop());
    await waitFor(() => /last dropped/.test(unit.health?.().message ?? ''), { timeoutMs: 60_000, message: `a retention pass to drop (${JSON.stringify(unit.health?.())})` });
    t.equal(unit.health?.().state, 'running', unit.health?.().message ?? '');
    const after = await used();
    t.ok(after <= budget, `LevelDB + cold ${after} <= budget ${budget}`);
    t.ok(manifest.list().length > 0 && manifest.list().length < files, `${manifest.list().length} of ${files} cold files kept`);
    await unit.stop();
    t.ok((await verifyJournal(journal, registry)).ok, 'and the journal verifies');
  });

  await t.test('a budget under the hot part: every cold file goes, and health says by how much and why', async (t) => {
    const budget = Math.round(hot / 2);
    const { unit, start } = unitIn(budget);
    await start();
    t.teardown(() => unit.stop());
    await waitFor(() => unit.health?.().state === 'degraded', { timeoutMs: 60_000, message: `retention to report the budget (${JSON.stringify(unit.health?.())})` });
    const health = unit.health!();
    t.equal(health.code, ErrorCodes.JOURNAL_OVER_BUDGET);
    t.match(health.message ?? '', new RegExp(`over journal\\.maxBytes \\(${budget} bytes\\): \\d+ bytes are hot`), health.message ?? '');
    t.match(health.message ?? '', /no cold history is left to drop/);
    t.equal(manifest.list().length, 0, 'all cold history was dropped');
    await unit.stop();
    t.ok((await verifyJournal(journal, registry)).ok, 'and the journal verifies');
  });
});
