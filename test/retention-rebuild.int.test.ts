import t from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MemoryColdStore } from '../core/journal/cold/memory-cold-store.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ProjectionRunner } from '../core/projection/runner.js';
import { restoreFromBasis } from '../core/projection/snapshot.js';
import type { Projection } from '../core/projection/projection.js';
import { createProjections } from '../projections/all.js';
import { T0, collect, fillDays, moveAllCold, retain } from './helpers/retention-fixtures.js';

const registry = createRegistry();

/** Runs a projection on the journal to its end and returns its state and every record. */
async function project(journal: LevelJournal, projection: Projection<unknown>, prepare?: () => Promise<unknown>): Promise<{ state: unknown; records: Array<[string, unknown]>; position: number }> {
  await prepare?.();
  const runner = new ProjectionRunner(journal, projection, registry);
  await runner.start();
  await runner.caughtUp(journal.lastPosition());
  await runner.stop();
  const records = await collect(journal.projectionStore(projection.name).records({}));
  return { state: runner.state, records, position: runner.position };
}

t.test('a rebuild after retention starts from the snapshot at the basis: rollups and memories are as before', async (t) => {
  const clock = { t: T0 };
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => journal.close());
  const [sensors, , , memories] = createProjections();
  const chosen = [sensors!, memories!];
  await fillDays(journal, clock, 12, 60_000);
  for (const p of chosen) await project(journal, p); // the node's projections, caught up and committed
  await moveAllCold(journal, clock);
  const manifest = journal.coldManifest!;
  const run = await retain(journal, manifest.totalBytes() - manifest.list()[0]!.bytes - manifest.list()[1]!.bytes);
  t.equal(run.dropped.length, 2);
  t.same(run.snapshots.map((s) => s.name).sort(), chosen.map((p) => p.name).sort(), 'every projection was snapshotted');
  t.ok(run.snapshots.every((s) => s.position >= run.throughPosition), 'past the dropped positions');
  await fillDays(journal, clock, 1, 60_000); // the node goes on after retention

  for (const p of chosen) {
    const live = await project(journal, p);
    const rebuilt = await project(journal, p, async () => {
      await journal.projectionStore(p.name).clear(); // journal rebuild drops the state …
      t.ok(await restoreFromBasis(journal, p), `${p.name}: … and starts from the snapshot`);
    });
    t.equal(rebuilt.position, live.position);
    t.same(rebuilt.state, live.state, `${p.name}: the same state as before the rebuild`);
    t.same(rebuilt.records, live.records, `${p.name}: the same records (rollup buckets, memories)`);
    t.ok(live.records.length > 0 || Object.keys(live.state as object).length > 0, `${p.name} holds something`);

    // Without the snapshot a rebuild would only see what is left: the test can tell the difference.
    const bare = await project(journal, p, () => journal.projectionStore(p.name).clear());
    t.notSame({ state: bare.state, records: bare.records }, { state: live.state, records: live.records }, `${p.name}: replaying what is left alone would differ`);
  }
});

t.test('a snapshot of another projection version is not used, and a snapshot is replaced whole or not at all', async (t) => {
  const clock = { t: T0 };
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => journal.close());
  const [sensors] = createProjections();
  await fillDays(journal, clock, 2, 60_000);
  await project(journal, sensors!);
  const first = await journal.projectionSnapshots.take(sensors!.name);
  t.ok(first && first.keys > 0);
  t.equal(await restoreFromBasis(journal, { name: sensors!.name, version: sensors!.version + 1 }), undefined, 'another version: no snapshot');
  t.ok(await journal.projectionStore(sensors!.name).load(), 'and the store was left alone');
  await fillDays(journal, clock, 1, 60_000);
  await project(journal, sensors!);
  const second = await journal.projectionSnapshots.take(sensors!.name);
  t.ok(second!.position > first!.position, 'a newer snapshot replaces it');
  t.same(await journal.projectionSnapshots.info(sensors!.name), { position: second!.position, version: sensors!.version });
});
