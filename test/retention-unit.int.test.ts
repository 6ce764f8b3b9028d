import t from 'tap';
import pino from 'pino';
import { join } from 'node:path';
import { configSchema } from '../adapters/config/schema.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import { filesBytes, retentionUnit } from '../adapters/units/retention.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';
import { T0, fillDays, moveAllCold } from './helpers/retention-fixtures.js';

t.test('the retention unit drops the oldest cold files until the journal fits journal.maxBytes, and is off at 0', async (t) => {
  const dataDir = tempDir(t);
  const clock = { t: T0 };
  const journal = await openLevelJournal(join(dataDir, 'journal'), { clock: { now: () => clock.t }, cold: fsColdStore(join(dataDir, 'journal', 'cold')) });
  t.teardown(() => journal.close());
  await fillDays(journal, clock, 12, 60_000);
  const files = await moveAllCold(journal, clock);
  const manifest = journal.coldManifest!;
  const context = (maxBytes: number): UnitContext => {
    const shelf = new Shelf();
    shelf.put('journal', journal);
    const config = configSchema.parse({ dataDir, journal: { maxBytes, coldMoveIntervalMs: 3_600_000 } });
    return { config, log: pino({ level: 'silent' }), shelf, output: undefined as never, stopReason: () => 'test' };
  };

  const off = retentionUnit();
  await off.start(context(0));
  await off.stop();
  t.equal(manifest.list().length, files, 'maxBytes 0: nothing dropped');

  const unit = retentionUnit();
  // A budget that holds LevelDB and about half the cold files.
  const used = (await filesBytes(join(dataDir, 'journal'))) + manifest.totalBytes();
  const budget = used - Math.round(manifest.totalBytes() / 2);
  await unit.start(context(budget));
  t.teardown(() => unit.stop());
  await waitFor(() => journal.basis(journal.nodeId) !== undefined && /last dropped/.test(unit.health?.().message ?? ''), { timeoutMs: 30_000, message: `retention to drop something (${JSON.stringify(unit.health?.())}, cold ${manifest.totalBytes()}, budget ${budget})` });
  t.ok(manifest.list().length < files, `it dropped ${files - manifest.list().length} of ${files} cold files`);
  t.ok(manifest.list().length > 0, 'not every one: the budget holds the rest');
  t.equal(unit.health?.().state, 'running');
  t.ok((await verifyJournal(journal, createRegistry())).ok, 'and the journal verifies');
});
