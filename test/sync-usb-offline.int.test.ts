import t from 'tap';
import { join } from 'node:path';
import { mkdirSync, statSync } from 'node:fs';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { writeJsonFile } from '../adapters/sync/json-file.js';
import { vectorDocument } from '../journal-tools/vector.js';
import { exportSegment } from '../journal-tools/export.js';
import { importSegments } from '../journal-tools/import.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { tempDir } from './helpers/temp-dir.js';
import { steadyWriter } from './helpers/steady-writer.js';

// A million events take a while on a small machine; the default per-file timeout is for ordinary tests.
t.setTimeout(900_000);

const EVENTS = Number(process.env['SMOL_OFFLINE_EVENTS'] ?? 1_000_000);
const NINETY_DAYS = 90 * 86_400_000;

t.test(`an edge offline for 90 days (${EVENTS.toLocaleString('en-US')} events) syncs with the hub by USB stick, while the hub keeps appending`, async (t) => {
  const root = tempDir(t, 'smollama-offline-');
  const stick = join(root, 'stick');
  mkdirSync(stick);
  let simulated = Date.UTC(2026, 0, 1);
  const edgeJournal = await openLevelJournal(join(root, 'edge', 'journal'), { sync: false, clock: { now: () => simulated } });
  const hubJournal = await openLevelJournal(join(root, 'hub', 'journal'), { sync: false });
  t.teardown(async () => {
    await edgeJournal.close().catch(() => undefined);
    await hubJournal.close().catch(() => undefined);
  });
  const config = syncSection.parse({ cluster: 'offline' });
  const edge = await SyncService.open(edgeJournal, join(root, 'edge'), config, createRegistry());
  const hub = await SyncService.open(hubJournal, join(root, 'hub'), config, createRegistry());
  await hub.trust.add(edgeJournal.publicKey, 'edge', hubJournal.nodeId);
  await edge.trust.add(hubJournal.publicKey, 'hub', edgeJournal.nodeId);

  // 90 days of an edge sampling on its own, written in big batches (the sampler would take 90 days).
  const step = NINETY_DAYS / EVENTS;
  let started = Date.now();
  for (let i = 0; i < EVENTS; i += 10_000) {
    const drafts = [];
    for (let j = i; j < Math.min(EVENTS, i + 10_000); j++) {
      simulated += step;
      drafts.push({ type: 'reading.sampled', data: { values: { 'system.cpu_temp': 40 + ((j * 7) % 150) / 10, 'system.load_1': ((j * 13) % 400) / 100 } } });
    }
    await edgeJournal.append(drafts);
  }
  t.comment(`filled ${edgeJournal.lastPosition()} events in ${Date.now() - started} ms`);
  await hubJournal.append([{ type: 'reading.sampled', data: { values: { 'hub.temp': 21 } } }]);

  // The hub writes what it holds to the stick; the edge exports exactly what that lacks.
  await writeJsonFile(join(stick, 'hub-vector.json'), vectorDocument(hubJournal, 'offline'));
  started = Date.now();
  const exported = await exportSegment(edge, { for: join(stick, 'hub-vector.json') }, stick);
  const exportMs = Date.now() - started;
  t.ok(exported.path, 'a segment was written');
  t.equal(exported.events, edgeJournal.vector()[edgeJournal.nodeId], 'it holds every event of the edge');
  t.equal(exported.leftOut, 0);
  const bytes = statSync(exported.path!).size;
  t.comment(`exported ${exported.events} events in ${exportMs} ms (${Math.round(exported.events / (exportMs / 1000))} events/s), ${bytes} bytes, ${(bytes / exported.events).toFixed(2)} bytes/event`);

  // The hub keeps appending while it imports (a node that keeps sampling).
  const appender = steadyWriter(async (n) => void (await hubJournal.append([{ type: 'reading.sampled', data: { values: { 'hub.temp': 21 + (n % 10) / 10 } } }])), 2);
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  started = Date.now();
  const summary = await importSegments(hub, [stick]);
  const importMs = Date.now() - started;
  clearInterval(sampler);
  await appender.stop();
  const appended = appender.count();
  t.comment(`imported ${summary.applied} events in ${importMs} ms (${Math.round(summary.applied / (importMs / 1000))} events/s) with full verification; RSS ${Math.round(rssBefore / 2 ** 20)} → peak ${Math.round(rssPeak / 2 ** 20)} MB; ${appended} hub appends meanwhile`);
  t.equal(summary.failed, 0, JSON.stringify(summary.reports.map((r) => r.message)));
  t.equal(summary.applied, exported.events, 'every event applied');
  t.equal(hubJournal.vector()[edgeJournal.nodeId], edgeJournal.vector()[edgeJournal.nodeId], 'the hub holds the whole edge feed');
  t.ok(appended > 0, 'appends went on during the import');
  t.ok(rssPeak - rssBefore < 400 * 2 ** 20, 'memory stays bounded (the segment is streamed, applied in batches)');
  const again = await importSegments(hub, [stick]);
  t.equal(again.applied, 0, 'importing the stick again changes nothing');
  t.equal(again.reports[0]?.code, 'SMOL_SEGMENT_REPLAYED');

  // And back: the edge gets what the hub wrote meanwhile.
  const back = await exportSegment(hub, { peer: 'edge' }, stick);
  t.ok(back.events > 0 && back.events < 1000, `the hub sends only its own ${back.events} events back`);
  const home = await importSegments(edge, [back.path!]);
  t.equal(home.failed, 0);
  t.equal(edgeJournal.vector()[hubJournal.nodeId], hubJournal.vector()[hubJournal.nodeId]);
  const report = await verifyJournal(hubJournal, createRegistry());
  t.ok(report.ok, `the hub's journal verifies (${report.problems.map((p) => p.message).join('; ')})`);
});
