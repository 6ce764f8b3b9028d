import t, { type Test } from 'tap';
import { join } from 'node:path';
import Fastify from 'fastify';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { MemoryColdStore } from '../core/journal/cold/memory-cold-store.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes, isSmolError } from '../core/errors.js';
import { planSegment } from '../core/sync/segment-export.js';
import { writeSegment } from '../core/sync/segment-writer.js';
import type { SegmentHeader } from '../core/sync/segment-format.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { SyncClient } from '../adapters/sync/http-client.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { syncPlugin } from '../adapters/http/routes/sync.js';
import { writeSegmentFile } from '../adapters/sync/segment-files.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { tempDir } from './helpers/temp-dir.js';
import { T0, fillDays, moveAllCold, retain } from './helpers/retention-fixtures.js';

const config = syncSection.parse({ cluster: 'smollama', maxSegmentEvents: 4000 });

interface Node {
  journal: LevelJournal;
  sync: SyncService;
  dir: string;
}

async function node(t: Test, clock: { t: number }): Promise<Node> {
  const journal = await openMemoryJournal({ clock: { now: () => clock.t }, cold: new MemoryColdStore() });
  const dir = tempDir(t);
  const sync = await SyncService.open(journal, dir, config, createRegistry());
  t.teardown(() => journal.close());
  return { journal, sync, dir };
}

async function trust(...nodes: Node[]): Promise<void> {
  for (const a of nodes) for (const b of nodes) if (a !== b) await a.sync.trust.add(b.journal.publicKey, undefined, a.journal.nodeId);
}

/** Node A: 12 days of history, the oldest two cold files dropped by retention. Also returns C, which synced part of A's oldest history before. */
async function droppedNode(t: Test) {
  const clock = { t: T0 };
  const a = await node(t, clock);
  const c = await node(t, clock);
  await trust(a, c);
  await fillDays(a.journal, clock, 12, 60_000);
  // C holds A's first ~1000 events: one bounded segment (cut at A's seal at 1001).
  const early = join(c.dir, 'early.smolseg');
  const planned = await planSegment(a.journal, {}, { cluster: 'smollama', sign: a.sync.sign, maxEvents: 1000 });
  await writeSegmentFile(early, planned!.stream);
  const [first] = await c.sync.importPath(early);
  t.equal(first?.status, 'applied', first?.message ?? '');
  await moveAllCold(a.journal, clock);
  const [f1, f2] = a.journal.coldManifest!.list();
  const run = await retain(a.journal, a.journal.coldManifest!.totalBytes() - f1!.bytes - f2!.bytes);
  t.equal(run.dropped.length, 2, 'A dropped its two oldest cold files');
  const basis = a.journal.basis(a.journal.nodeId)!;
  t.ok(basis.seq > c.journal.vector()[a.journal.nodeId]!, 'past what C holds of A');
  return { clock, a, c, basis };
}

t.test('a fresh peer syncs by USB from a node whose oldest range was dropped: it starts the feed at the basis and gets the rest', async (t) => {
  const { clock, a, basis } = await droppedNode(t);
  const b = await node(t, clock);
  await trust(a, b);
  const written = await a.sync.exportTo({}, join(b.dir, 'a.smolseg'));
  t.ok(written, 'something to send');
  const reports = await b.sync.importPath(join(b.dir, 'a.smolseg'));
  t.equal(reports[0]?.status, 'applied', reports[0]?.message ?? '');
  t.equal(reports[0]?.code, ErrorCodes.JOURNAL_RANGE_DROPPED, 'the report says a range was dropped where it came from');
  t.same(reports[0]?.dropped, [{ origin: a.journal.nodeId, from: 1, to: basis.seq }]);
  t.match(reports[0]?.message, /dropped by retention/);
  t.equal(b.journal.vector()[a.journal.nodeId], a.journal.vector()[a.journal.nodeId], 'B holds A up to its head');
  t.same(b.journal.basis(a.journal.nodeId), basis, 'starting at the same basis');
  const report = await verifyJournal(b.journal, createRegistry());
  t.ok(report.ok, JSON.stringify(report.problems));
  t.equal(report.feeds.find((f) => f.origin === a.journal.nodeId)?.start, basis.seq + 1);
  // B relays A's feed on to a node that has none of it: the basis travels on.
  const e = await node(t, clock);
  await trust(b, e);
  await b.sync.exportTo({}, join(e.dir, 'b.smolseg'));
  const relayed = await e.sync.importPath(join(e.dir, 'b.smolseg'));
  t.equal(relayed[0]?.status, 'applied', relayed[0]?.message ?? '');
  t.same(e.journal.basis(a.journal.nodeId), basis, 'a relay passes the basis on');
  t.ok((await verifyJournal(e.journal, createRegistry())).ok);
});

t.test('a peer that holds part of the dropped range continues from the basis, keeping what it held', async (t) => {
  const { a, c, basis } = await droppedNode(t);
  const held = c.journal.vector()[a.journal.nodeId]!;
  await a.sync.exportTo(c.journal.vector(), join(c.dir, 'rest.smolseg'));
  const [r] = await c.sync.importPath(join(c.dir, 'rest.smolseg'));
  t.equal(r?.status, 'applied', r?.message ?? '');
  t.same(r?.dropped, [{ origin: a.journal.nodeId, from: held + 1, to: basis.seq }], 'it is told which range it will not get');
  t.equal(c.journal.vector()[a.journal.nodeId], a.journal.vector()[a.journal.nodeId]);
  const report = await verifyJournal(c.journal, createRegistry());
  t.ok(report.ok, JSON.stringify(report.problems));
  const feed = report.feeds.find((f) => f.origin === a.journal.nodeId)!;
  t.equal(feed.start, basis.seq + 1);
  t.equal(feed.belowBasis, held, 'the events it held below the basis are still there');
  t.ok(await c.journal.get(a.journal.nodeId, 1), 'A:1 is still readable on C');
  // A second export for C's new vector has nothing left to send.
  t.equal(await planSegment(a.journal, c.journal.vector(), { cluster: 'smollama', sign: a.sync.sign }), undefined);
});

t.test('over HTTP: a new peer pulls past the dropped range; a pull that cannot take a basis gets 410 SMOL_JOURNAL_RANGE_DROPPED', async (t) => {
  const { clock, a, basis } = await droppedNode(t);
  const b = await node(t, clock);
  await trust(a, b);
  const app = Fastify();
  await app.register(async (scope) => syncPlugin(scope, { service: a.sync }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const body = Buffer.from(JSON.stringify({ vector: {} }));
  const auth = signRequest({ method: 'POST', path: '/sync/pull', cluster: 'smollama', node: b.journal.nodeId, body, ts: Date.now(), sign: (m) => b.sync.sign(Buffer.from(m)) });
  const old = await app.inject({ method: 'POST', url: '/sync/pull', headers: { 'content-type': 'application/json', [SYNC_AUTH_HEADER]: auth }, payload: body });
  t.equal(old.statusCode, 410, 'a caller that did not say it takes bases is told the range is gone');
  t.equal((old.json() as { error: { code: string } }).error.code, ErrorCodes.JOURNAL_RANGE_DROPPED);

  const client = new SyncClient(b.sync);
  t.teardown(() => client.close());
  const round = await client.syncWith({ name: 'a', url });
  t.same(round.dropped, [{ origin: a.journal.nodeId, from: 1, to: basis.seq }], 'the round reports the dropped range');
  t.equal(b.journal.vector()[a.journal.nodeId], a.journal.vector()[a.journal.nodeId], 'and B got the rest');
  const again = await client.syncWith({ name: 'a', url });
  t.equal(again.received, 0, 'the next round has nothing to fetch: no retrying for ever');
  t.same(again.dropped, []);
  t.ok((await verifyJournal(b.journal, createRegistry())).ok);
});

/** A segment of A's feed from `from`, with a header basis as given, signed by A (a trusted peer that lies). */
async function forged(a: Node, from: number, basis: NonNullable<SegmentHeader['feedBases']>[string], path: string): Promise<string> {
  const planned = await planSegment(a.journal, {}, { cluster: 'smollama', sign: a.sync.sign });
  const origin = a.journal.nodeId;
  const to = planned!.header.ranges[0]!.to;
  const header: SegmentHeader = { ...planned!.header, ranges: [{ origin, from, to }], count: to - from + 1, feedBases: { [origin]: basis } };
  await writeSegmentFile(path, writeSegment(header, (r) => bodies(a.journal, r.origin, r.from, r.to), a.sync.sign));
  return path;
}

async function* bodies(journal: LevelJournal, origin: string, from: number, to: number): AsyncGenerator<Buffer> {
  for await (const e of journal.readOriginRaw(origin, from, to)) yield e.body;
}

t.test('a trusted peer that lies about a basis is refused with a code, and nothing changes', async (t) => {
  const { clock, a, basis } = await droppedNode(t);
  const b = await node(t, clock);
  await trust(a, b);
  const origin = a.journal.nodeId;

  const body = Buffer.from(basis.seal.body, 'base64url');
  body[body.length - 10]! ^= 1;
  const badSeal = await forged(a, basis.seq + 1, { ...basis, seal: { ...basis.seal, body: body.toString('base64url') } }, join(b.dir, 'bad-seal.smolseg'));
  const [r1] = await b.sync.importPath(badSeal);
  t.equal(r1?.status, 'failed');
  t.equal(r1?.code, ErrorCodes.SEAL_INVALID, r1?.message ?? '');

  // A basis later than the real one, with an invented hash: the seal after it still verifies, but the chain does not.
  const fake = { ...basis, seq: basis.seal.seq - 2, hash: 'ab'.repeat(32) };
  t.ok(fake.seq > basis.seq, `the seal (${basis.seal.seq}) lies far enough past the basis (${basis.seq}) for a chain proof`);
  const badChain = await forged(a, fake.seq + 1, fake, join(b.dir, 'bad-chain.smolseg'));
  const [r2] = await b.sync.importPath(badChain);
  t.equal(r2?.code, ErrorCodes.CHAIN_BROKEN, r2?.message ?? '');
  t.equal(b.journal.vector()[origin], undefined, 'B took nothing of A');
  t.equal(b.journal.basis(origin), undefined);

  // B holds A (honestly) from the basis on; the same lie about a seq it holds is a conflict.
  await a.sync.exportTo({}, join(b.dir, 'honest.smolseg'));
  t.equal((await b.sync.importPath(join(b.dir, 'honest.smolseg')))[0]?.status, 'applied');
  const vector = b.journal.vector();
  const [r3] = await b.sync.importPath(badChain);
  t.equal(r3?.code, ErrorCodes.SEGMENT_CONFLICT, r3?.message ?? '');
  t.same(b.journal.vector(), vector, 'nothing changed');
  t.ok((await verifyJournal(b.journal, createRegistry())).ok);

  try {
    await planSegment(a.journal, {}, { cluster: 'smollama', sign: a.sync.sign, acceptsBases: false });
    t.fail('planning for a node that cannot take a basis must fail');
  } catch (err) {
    t.ok(isSmolError(err, ErrorCodes.JOURNAL_RANGE_DROPPED), String(err));
  }
});
