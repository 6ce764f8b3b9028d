import t from 'tap';
import { join } from 'node:path';
import { openLevelJournal, openMemoryJournal } from '../core/journal/open-journal.js';
import { MemoryColdStore } from '../core/journal/cold/memory-cold-store.js';
import { fsColdStore } from '../adapters/journal/fs-cold-store.js';
import { createRegistry } from '../core/events/default-registry.js';
import { checkBasis } from '../core/journal/basis/feed-basis.js';
import { filesToDrop } from '../core/journal/retention.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { tempDir } from './helpers/temp-dir.js';
import { DAY, T0, collect, fillDays, moveAllCold, retain } from './helpers/retention-fixtures.js';

t.test('the policy drops the oldest files until the journal fits its budget, or by age; 0 keeps everything', async (t) => {
  const files = [1, 2, 3, 4].map((i) => ({ name: `f${i}`, fromPosition: i * 10 - 9, toPosition: i * 10, origins: [], bytes: 100, newestWallMs: T0 + i * DAY }));
  t.equal(filesToDrop(files, 450, { maxBytes: 0, maxAgeDays: 0 }, T0 + 10 * DAY), 0, 'unlimited');
  t.equal(filesToDrop(files, 450, { maxBytes: 400, maxAgeDays: 0 }, T0), 1, '450 bytes into 400: one file');
  t.equal(filesToDrop(files, 450, { maxBytes: 200, maxAgeDays: 0 }, T0), 3);
  t.equal(filesToDrop(files, 450, { maxBytes: 10, maxAgeDays: 0 }, T0), 4, 'never more than there is');
  t.equal(filesToDrop(files, 450, { maxBytes: 0, maxAgeDays: 2 }, T0 + 5 * DAY), 2, 'files whose newest event is over 2 days old');
});

t.test('after retention the journal verifies, each feed starting at its proven basis, and nothing after it is lost', async (t) => {
  const clock = { t: T0 };
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => journal.close());
  await fillDays(journal, clock, 12, 60_000);
  const files = await moveAllCold(journal, clock);
  t.ok(files >= 4, `history went cold in ${files} files`);
  const manifest = journal.coldManifest!;
  const [first, second] = manifest.list();
  const before = await collect(journal.read());
  const keep = manifest.totalBytes() - first!.bytes - second!.bytes;

  const run = await retain(journal, keep);
  t.same(run.dropped, [first!.name, second!.name], 'the two oldest files went');
  t.equal(run.waiting, undefined);
  t.equal(manifest.list().length, files - 2);
  const basis = journal.basis(journal.nodeId)!;
  t.ok(basis, 'our feed has a basis');
  t.equal(basis.seq, second!.origins[0]!.toSeq, 'at the last dropped seq');
  t.doesNotThrow(() => checkBasis(journal.nodeId, basis), 'which is proven');
  t.ok(basis.seal.seq > basis.seq, 'by a seal after it');

  const after = await collect(journal.read());
  t.same(after.slice(0, before.length - second!.toPosition), before.slice(second!.toPosition), 'exactly the events after the dropped positions remain, with their positions');
  t.same(after.slice(before.length - second!.toPosition).map((e) => e.event.type), ['feed.sealed'], 'and the seal retention appended first');
  const report = await verifyJournal(journal, createRegistry());
  t.ok(report.ok, JSON.stringify(report.problems));
  const feed = report.feeds.find((f) => f.origin === journal.nodeId)!;
  t.equal(feed.start, basis.seq + 1, 'verify reports where the feed starts');
  t.same(feed.basis, { seq: basis.seq, hash: basis.hash, sealSeq: basis.seal.seq });
  t.equal(feed.events, feed.head - basis.seq);
  t.equal(report.events, after.length);
  t.equal(await journal.get(journal.nodeId, basis.seq), undefined, 'a dropped event is gone');
  t.ok(await journal.get(journal.nodeId, basis.seq + 1), 'the one after it is held');
});

t.test('a basis that does not verify, or a log missing positions without one, fails verify', async (t) => {
  const clock = { t: T0 };
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  t.teardown(() => journal.close());
  await fillDays(journal, clock, 10, 120_000);
  await moveAllCold(journal, clock);
  await retain(journal, 1);
  const basis = journal.basis(journal.nodeId)!;
  const body = Buffer.from(basis.seal.body, 'base64url');
  body[body.length - 5]! ^= 1; // a byte of the signature in the seal's data
  journal.feedBases.remember(new Map([[journal.nodeId, { ...basis, seal: { ...basis.seal, body: body.toString('base64url') } }]]));
  const report = await verifyJournal(journal, createRegistry());
  t.notOk(report.ok);
  t.equal(report.problems[0]?.kind, 'basis', report.problems[0]?.message ?? '');
});

t.test('on disk: the bases survive a restart, and retention again moves them on', async (t) => {
  const dir = tempDir(t);
  const clock = { t: T0 };
  const open = () => openLevelJournal(dir, { clock: { now: () => clock.t }, cold: fsColdStore(join(dir, 'cold')) });
  let journal = await open();
  await fillDays(journal, clock, 11, 60_000);
  await moveAllCold(journal, clock);
  const total = journal.coldManifest!.totalBytes();
  await retain(journal, total - 1);
  const first = journal.basis(journal.nodeId)!;
  await journal.close();
  journal = await open();
  t.teardown(() => journal.close());
  t.same(journal.basis(journal.nodeId), first, 'the basis was stored with the drop');
  t.ok((await verifyJournal(journal, createRegistry())).ok);
  await retain(journal, journal.coldManifest!.totalBytes() - 1);
  const second = journal.basis(journal.nodeId)!;
  t.ok(second.seq > first.seq, `a second pass moves it on (${first.seq} → ${second.seq})`);
  t.ok((await verifyJournal(journal, createRegistry())).ok);
});
