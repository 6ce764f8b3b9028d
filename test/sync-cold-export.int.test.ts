import t from 'tap';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { exportSegment } from '../journal-tools/export.js';
import { importSegments } from '../journal-tools/import.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { coldSettings, collectAll, fillDays, T0 } from './helpers/cold-history.js';
import { tempDir } from './helpers/temp-dir.js';

t.test('a USB export reads cold history: a peer that lacks it all receives every event, hot and cold, and verifies', async (t) => {
  const root = tempDir(t);
  const stick = join(root, 'stick');
  mkdirSync(stick);
  const clock = { t: T0 };
  const edgeJournal = await openLevelJournal(join(root, 'edge', 'journal'), { clock: { now: () => clock.t }, cold: fsColdStore(join(root, 'edge', 'journal', 'cold')) });
  const hubJournal = await openLevelJournal(join(root, 'hub', 'journal'));
  t.teardown(async () => {
    await edgeJournal.close();
    await hubJournal.close();
  });
  await fillDays(edgeJournal, clock, 10, 60_000);
  while (await edgeJournal.moveCold(coldSettings(() => clock.t, { maxEvents: 2000 })));
  const coldTo = edgeJournal.coldManifest!.coldTo;
  t.ok(coldTo > 3000, `history up to position ${coldTo} is cold`);

  const config = syncSection.parse({ cluster: 'smollama' });
  const edge = await SyncService.open(edgeJournal, join(root, 'edge'), config, createRegistry());
  const hub = await SyncService.open(hubJournal, join(root, 'hub'), config, createRegistry());
  await hub.trust.add(edgeJournal.publicKey, 'edge', hubJournal.nodeId);
  const exported = await exportSegment(edge, { all: true }, stick);
  t.equal(exported.events, edgeJournal.vector()[edgeJournal.nodeId], 'the segment holds the whole feed');
  const summary = await importSegments(hub, [exported.path!]);
  t.equal(summary.failed, 0, JSON.stringify(summary.reports.map((r) => r.message)));
  t.equal(hubJournal.vector()[edgeJournal.nodeId], edgeJournal.vector()[edgeJournal.nodeId]);
  const theirs = await collectAll(hubJournal.readOrigin(edgeJournal.nodeId, 1));
  const ours = await collectAll(edgeJournal.readOrigin(edgeJournal.nodeId, 1));
  t.same(theirs.map((e) => e.body), ours.map((e) => e.body), 'byte for byte, cold part included');
  const report = await verifyJournal(hubJournal, createRegistry());
  t.ok(report.ok, JSON.stringify(report.problems));
});
