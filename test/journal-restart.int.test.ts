import t from 'tap';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { hlcWall } from '../core/clock/hlc.js';
import { tempDir } from './helpers/temp-dir.js';

const reading = { type: 'reading.sampled', data: { values: { 'system.load_1': 1 } } };

t.test('a reopened journal keeps its identity, heads and positions', async (t) => {
  const dir = tempDir(t);
  const a = await openLevelJournal(dir);
  await a.append([reading, reading]);
  const { nodeId, publicKey } = a;
  const head = a.heads().get(nodeId);
  await a.close();
  const b = await openLevelJournal(dir);
  t.teardown(() => b.close());
  t.equal(b.nodeId, nodeId);
  t.equal(b.publicKey, publicKey);
  t.same(b.heads().get(nodeId), head);
  const [next] = await b.append([reading]);
  t.same([next!.position, next!.event.seq, next!.event.prev], [3, 3, head!.hash], 'the chain continues across the restart');
});

t.test('a Pi that boots at 1970 after running in 2026 still stamps later timestamps', async (t) => {
  const dir = tempDir(t);
  const y2026 = Date.UTC(2026, 10, 21);
  const a = await openLevelJournal(dir, { clock: { now: () => y2026 } });
  const [before] = await a.append([reading]);
  await a.close();
  const b = await openLevelJournal(dir, { clock: { now: () => 5_000 } });
  t.teardown(() => b.close());
  const after = await b.append([reading, reading]);
  t.ok(after[0]!.event.hlc > before!.event.hlc && after[1]!.event.hlc > after[0]!.event.hlc, 'monotonic across the restart');
  t.ok(hlcWall(after[0]!.event.hlc) >= y2026, 'the clock did not fall back to 1970');
});

t.test('a remote timestamp far in the future is reported and does not drag the clock', async (t) => {
  const now = Date.UTC(2026, 10, 21);
  const skews: number[] = [];
  const remote = await openLevelJournal(tempDir(t), { clock: { now: () => now + 86_400_000 } });
  const local = await openLevelJournal(tempDir(t), { clock: { now: () => now, maxOffsetMs: 60_000, onSkew: (s) => skews.push(s.aheadMs) } });
  t.teardown(async () => { await remote.close(); await local.close(); });
  await remote.append([reading]);
  const raw = [];
  for await (const e of remote.readOrigin(remote.nodeId, 1)) raw.push({ origin: e.event.origin, body: e.body });
  await local.ingest(raw);
  t.same(skews, [86_400_000], 'the skew was reported');
  t.equal(local.vector()[remote.nodeId], 1, 'the event itself was stored');
  const [mine] = await local.append([reading]);
  t.ok(hlcWall(mine!.event.hlc) < now + 60_000, 'the local clock did not jump a day ahead');
});

t.test('a journal reopened after unsealed appends can seal them at once', async (t) => {
  const dir = tempDir(t);
  const a = await openLevelJournal(dir, { sealEvery: 10 });
  await a.append(Array.from({ length: 10 }, () => reading)); // sealed at the end of this call
  await a.append([reading, reading]); // what a crash would leave unsealed
  await a.close();
  const b = await openLevelJournal(dir, { sealEvery: 10 });
  t.teardown(() => b.close());
  const head = b.heads().get(b.nodeId)!;
  const seal = await b.seal();
  t.equal(seal?.event.type, 'feed.sealed', 'seal() did not wait for a new event');
  const data = seal!.event.data as { seq: number; hash: string };
  t.same([data.seq, data.hash], [head.seq, head.hash], 'the seal covers the head found on disk');
  t.equal(await b.seal(), undefined, 'and then nothing is left to seal');
});

t.test('a reopened journal counts its unsealed tail towards the next automatic seal', async (t) => {
  const dir = tempDir(t);
  const a = await openLevelJournal(dir, { sealEvery: 5 });
  await a.append([reading, reading, reading]);
  await a.close();
  const b = await openLevelJournal(dir, { sealEvery: 5 });
  t.teardown(() => b.close());
  const entries = await b.append([reading, reading, reading]);
  t.same(entries.map((e) => e.event.type), ['reading.sampled', 'reading.sampled', 'reading.sampled', 'feed.sealed'], 'sealed after 3 + 3 events, as if never closed');
});

t.test('a journal whose last own event is a seal reopens with nothing to seal', async (t) => {
  const dir = tempDir(t);
  const a = await openLevelJournal(dir);
  await a.append([reading]);
  await a.seal();
  await a.close();
  const b = await openLevelJournal(dir);
  t.teardown(() => b.close());
  t.equal(await b.seal(), undefined);
});
