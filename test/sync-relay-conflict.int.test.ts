import t, { type Test } from 'tap';
import { join } from 'node:path';
import Fastify from 'fastify';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { createRegistry } from '../core/events/default-registry.js';
import { ErrorCodes } from '../core/errors.js';
import { hashBody } from '../core/events/codec.js';
import { sealMessage, type EventDataMap } from '../core/events/core-events.js';
import type { SyncConflictDetectedData } from '../core/events/sync-events.js';
import { signMessage } from '../core/identity/node-identity.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { nodesProjection, type NodesState } from '../projections/nodes.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { loadJournalIdentity } from '../adapters/sync/journal-identity.js';
import { signRequest, SYNC_AUTH_HEADER } from '../adapters/sync/request-auth.js';
import { SEGMENT_CONTENT_TYPE, syncPlugin } from '../adapters/http/routes/sync.js';
import { tempDir } from './helpers/temp-dir.js';
import { falsifyReading, forgeFeedInto, openNodeDirJournal } from './helpers/forged-feed.js';

t.setTimeout(120_000);

const config = syncSection.parse({ cluster: 'relay' });

interface Node {
  readonly dir: string;
  readonly journal: LevelJournal;
  readonly sync: SyncService;
}

async function node(t: Test, root: string, name: string): Promise<Node> {
  const dir = join(root, name);
  const journal = await openNodeDirJournal(dir);
  t.teardown(() => journal.close().catch(() => undefined));
  return { dir, journal, sync: await SyncService.open(journal, dir, config, createRegistry()) };
}

async function readings(n: Node, count: number, from: number): Promise<void> {
  // Values differ for every `from + i`: two copies of a node that append in the same millisecond
  // would otherwise write byte-identical events, and the fork would start later than the test says.
  await n.journal.append(Array.from({ length: count }, (_, i) => ({ type: 'reading.sampled', data: { values: { 'a.temp': 20 + (from + i) / 1000 } } })));
  await n.journal.seal();
}

async function exportAll(n: Node, path: string): Promise<string> {
  const r = await n.sync.exportTo({}, path);
  if (!r) throw new Error('nothing exported');
  return r.path;
}

async function conflictEvents(journal: LevelJournal): Promise<SyncConflictDetectedData[]> {
  const out: SyncConflictDetectedData[] = [];
  for await (const e of journal.read({ types: ['sync.conflict.detected'] })) out.push(e.event.data as SyncConflictDetectedData);
  return out;
}

async function hashOf(journal: LevelJournal, origin: string, seq: number): Promise<string> {
  for await (const e of journal.readOrigin(origin, seq, seq)) return hashBody(origin, e.body);
  throw new Error(`no ${origin}:${seq}`);
}

async function nodesOf(journal: LevelJournal): Promise<NodesState> {
  const registry = createRegistry();
  let state = nodesProjection.initial();
  for await (const e of journal.read()) state = nodesProjection.apply(state, registry.upcast(e.event), () => undefined);
  return state;
}

t.test('an event a trusted relay altered and re-signed is a conflict, journaled once, never a replay (USB, HTTP push)', async (t) => {
  const root = tempDir(t, 'smollama-relay-');
  const a = await node(t, root, 'a');
  const c = await node(t, root, 'c');
  // A's feed: readings 1..20, seal 21; later readings 22..31, seal 32.
  await readings(a, 20, 0);
  const A = a.journal.nodeId;

  // The relays. Each holds A's feed with one event changed and signs what it exports with its own key.
  const b = await node(t, root, 'b');
  const b2 = await node(t, root, 'b2');
  const b3 = await node(t, root, 'b3');
  const b4 = await node(t, root, 'b4');
  for (const relay of [a, b, b2, b3, b4]) await c.sync.trust.add(relay.journal.publicKey, relay === a ? 'a' : `relay-${relay.dir.split('/').pop()}`, c.journal.nodeId);

  t.equal((await c.sync.importPath(await exportAll(a, join(root, 'a-1.smolseg'))))[0]!.status, 'applied', 'C holds A 1..21');
  t.equal(c.journal.vector()[A], 21);

  await t.test('an altered event inside a range C already holds', async (t) => {
    await forgeFeedInto(b.journal, a.journal, A, falsifyReading(5));
    const forged = await exportAll(b, join(root, 'b.smolseg'));
    const before = { vector: c.journal.vector(), position: c.journal.lastPosition() };
    const [r] = await c.sync.importPath(forged);
    t.equal(r!.status, 'failed', 'refused, not replayed');
    t.equal(r!.code, ErrorCodes.SEGMENT_CONFLICT);
    t.equal(r!.applied, 0);
    const conflicts = await conflictEvents(c.journal);
    t.equal(conflicts.length, 1, 'the conflict is journaled');
    t.match(conflicts[0], { peer: b.journal.nodeId, peerName: 'relay-b', via: 'usb', eventId: `${A}:5`, origin: A, seq: 5 });
    t.equal(conflicts[0]!.ours, await hashOf(c.journal, A, 5), 'with our hash');
    t.equal(conflicts[0]!.theirs, await hashOf(b.journal, A, 5), 'and the relay’s');
    t.same(c.journal.vector(), { ...before.vector, [c.journal.nodeId]: (before.vector[c.journal.nodeId] ?? 0) + 1 }, 'nothing but the conflict event changed');
    t.equal(c.journal.lastPosition(), before.position + 1);
    t.equal(await hashOf(c.journal, A, 5), await hashOf(a.journal, A, 5), 'C still holds A’s own A:5');

    const [again] = await c.sync.importPath(forged);
    t.equal(again!.code, ErrorCodes.SEGMENT_CONFLICT, 'refused again');
    t.equal((await conflictEvents(c.journal)).length, 1, 'but journaled only once per (peer, event)');

    const genuine = await c.sync.importPath(join(root, 'a-1.smolseg'));
    t.equal(genuine[0]!.code, ErrorCodes.SEGMENT_REPLAYED, 'the genuine segment is still a harmless replay');
  });

  await t.test('an altered event inside a range that is partly new refuses the whole range', async (t) => {
    await readings(a, 10, 20);
    await forgeFeedInto(b2.journal, a.journal, A, falsifyReading(7));
    const forged = await exportAll(b2, join(root, 'b2.smolseg'));
    const [r] = await c.sync.importPath(forged);
    t.equal(r!.code, ErrorCodes.SEGMENT_CONFLICT);
    t.equal(c.journal.vector()[A], 21, 'none of A 22..32 was applied from it');
    t.match((await conflictEvents(c.journal)).at(-1), { peer: b2.journal.nodeId, eventId: `${A}:7`, via: 'usb' }, 'journaled, naming the first altered event');
    const [ok] = await c.sync.importPath(await exportAll(a, join(root, 'a-2.smolseg')));
    t.equal(ok!.status, 'applied', 'A’s own segment still applies');
    t.equal(c.journal.vector()[A], 32);
  });

  await t.test('a forged seal inside a held range', async (t) => {
    const id = await loadJournalIdentity(b3.journal);
    await forgeFeedInto(
      b3.journal,
      a.journal,
      A,
      (e) => {
        if (e.seq !== 21) return undefined;
        const seal = e.data as EventDataMap['feed.sealed'];
        return { ...e, data: { ...seal, publicKey: b3.journal.publicKey, signature: signMessage(id, sealMessage(A, seal.seq, seal.hash)) } };
      },
      21,
    );
    const [r] = await c.sync.importPath(await exportAll(b3, join(root, 'b3.smolseg')));
    t.equal(r!.code, ErrorCodes.SEGMENT_CONFLICT);
    t.match((await conflictEvents(c.journal)).at(-1), { peer: b3.journal.nodeId, eventId: `${A}:21` });
  });

  await t.test('pushed over HTTP: 409 SMOL_SEGMENT_CONFLICT, journaled with via http', async (t) => {
    await forgeFeedInto(b4.journal, a.journal, A, falsifyReading(3), 21);
    const body = readFileSync(await exportAll(b4, join(root, 'b4.smolseg')));
    const app = Fastify();
    await app.register(async (scope) => syncPlugin(scope, { service: c.sync }));
    t.teardown(() => app.close());
    const sign = await loadJournalIdentity(b4.journal);
    const auth = signRequest({ method: 'POST', path: '/sync/push', cluster: config.cluster, node: b4.journal.nodeId, body, ts: Date.now(), sign: (m) => signMessage(sign, Buffer.from(m)) });
    const res = await app.inject({ method: 'POST', url: '/sync/push', headers: { 'content-type': SEGMENT_CONTENT_TYPE, [SYNC_AUTH_HEADER]: auth }, payload: body });
    t.equal(res.statusCode, 409);
    t.equal((res.json() as { error: { code: string } }).error.code, ErrorCodes.SEGMENT_CONFLICT);
    t.match((await conflictEvents(c.journal)).at(-1), { peer: b4.journal.nodeId, eventId: `${A}:3`, via: 'http' });
  });

  await t.test('the nodes projection and the sync service count conflicts per delivering peer', async (t) => {
    const state = await nodesOf(c.journal);
    const peers = state.nodes[c.journal.nodeId]!.syncPeers;
    t.match(peers[b.journal.nodeId], { conflicts: 1, lastConflict: { eventId: `${A}:5`, via: 'usb' } });
    t.match(peers[b2.journal.nodeId], { conflicts: 1, lastConflict: { eventId: `${A}:7` } });
    t.match(peers[b3.journal.nodeId], { conflicts: 1, lastConflict: { eventId: `${A}:21` } });
    t.match(peers[b4.journal.nodeId], { conflicts: 1, lastConflict: { eventId: `${A}:3`, via: 'http' } });
    t.notOk(peers[A]?.conflicts, 'A delivered nothing forged');
    // A service opened later (another process) reads what was journaled before.
    const reopened = await SyncService.open(c.journal, c.dir, config, createRegistry());
    const counts = Object.fromEntries((await reopened.conflicts()).map((x) => [x.peer, x.count]));
    t.same(counts, { [b.journal.nodeId]: 1, [b2.journal.nodeId]: 1, [b3.journal.nodeId]: 1, [b4.journal.nodeId]: 1 });
    const [again] = await reopened.importPath(join(root, 'b.smolseg'));
    t.equal(again!.code, ErrorCodes.SEGMENT_CONFLICT);
    t.equal((await conflictEvents(c.journal)).length, 4, 'a new process does not journal a known conflict again');
  });
});

t.test('a held segment that conflicts once its gap is filled is refused on retry, journaled and moved to sync/rejected', async (t) => {
  const root = tempDir(t, 'smollama-fork-');
  const a = await node(t, root, 'a');
  await readings(a, 20, 0);
  await a.journal.close();
  // The same node twice (a data directory restored from a copy): both copies go on from A:21 with
  // their own events, each validly sealed by A's key. The feed forked.
  cpSync(join(root, 'a'), join(root, 'a-copy'), { recursive: true });
  const again = await openNodeDirJournal(join(root, 'a'));
  t.teardown(() => again.close().catch(() => undefined));
  const genuine = { dir: join(root, 'a'), journal: again, sync: await SyncService.open(again, join(root, 'a'), config, createRegistry()) };
  const fork = await node(t, root, 'a-copy');
  t.equal(fork.journal.nodeId, genuine.journal.nodeId, 'one identity');
  await readings(genuine, 10, 100);
  await readings(fork, 10, 200);
  const A = genuine.journal.nodeId;

  const c = await node(t, root, 'c');
  await c.sync.trust.add(genuine.journal.publicKey, 'a', c.journal.nodeId);
  const forked = await fork.sync.exportTo({ [A]: 21 }, join(root, 'fork.smolseg'));
  const [held] = await c.sync.importPath(forked!.path);
  t.equal(held!.status, 'held', 'A 22..32 of the fork waits for A 1..21');
  t.equal((await c.sync.pendingFiles()).length, 1);

  const reports = await c.sync.importPath(await exportAll(genuine, join(root, 'genuine.smolseg')));
  t.equal(reports[0]!.status, 'applied', 'the genuine feed applies');
  const retried = reports.find((r) => r.source.includes('pending'));
  t.equal(retried?.code, ErrorCodes.SEGMENT_CONFLICT, 'the held fork is now a conflict');
  t.equal(c.journal.vector()[A], 32);
  t.equal(await hashOf(c.journal, A, 22), await hashOf(genuine.journal, A, 22), 'C holds the genuine A:22');
  t.match(await conflictEvents(c.journal), [{ peer: A, eventId: `${A}:22`, via: 'usb' }], 'journaled, naming the first event of the fork');
  t.equal((await c.sync.pendingFiles()).length, 0, 'no longer pending');
  t.equal(readdirSync(join(c.dir, 'sync', 'rejected')).length, 1, 'moved to sync/rejected');
});
