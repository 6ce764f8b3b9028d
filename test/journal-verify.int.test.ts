import t from 'tap';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { verifyJournal } from '../journal-tools/verify.js';
import { inspectEvent } from '../journal-tools/inspect.js';
import { tailEvents } from '../journal-tools/tail.js';
import { rebuildProjections } from '../journal-tools/rebuild.js';
import { allProjections } from '../projections/all.js';
import { positionKey } from '../core/journal/keys.js';
import { rawFeed } from './helpers/journal-contract.js';
import { tempDir } from './helpers/temp-dir.js';
import { generateIdentity, signMessage } from '../core/identity/node-identity.js';
import { sealMessage } from '../core/events/core-events.js';
import { encodeBody } from '../core/events/codec.js';

const registry = createRegistry();
const tick = (i: number) => ({ type: 'reading.sampled', data: { values: { 'system.load_1': i / 100, 'system.mem_used': 40 + (i % 7) } } });

async function filledJournal(dir: string) {
  const j = await openLevelJournal(dir, { sealEvery: 25 });
  await j.append(Array.from({ length: 100 }, (_, i) => tick(i)));
  await j.seal();
  return j;
}

t.test('verify passes a healthy journal and reports every feed sealed to its head', async (t) => {
  const j = await filledJournal(tempDir(t));
  t.teardown(() => j.close());
  const report = await verifyJournal(j, registry);
  t.ok(report.ok, JSON.stringify(report.problems));
  t.equal(report.feeds[0]!.head, j.vector()[j.nodeId]);
  t.equal(report.feeds[0]!.sealedTo, report.feeds[0]!.head - 1, 'the last event is the seal over everything before it');
});

t.test('verify names the first event whose bytes were altered on disk', async (t) => {
  const j = await filledJournal(tempDir(t));
  t.teardown(() => j.close());
  const log = j.database.sublevel<Buffer, Buffer>('log', { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  const value = (await log.get(positionKey(40)))!;
  const altered = Buffer.from(value.toString('latin1').replace(/"system\.load_1":[0-9.]+/, '"system.load_1":9.99'), 'latin1');
  t.not(altered.toString(), value.toString(), 'the test really changed a reading');
  await log.put(positionKey(40), altered);
  const report = await verifyJournal(j, registry);
  t.notOk(report.ok);
  t.equal(report.problems[0]!.kind, 'chain');
  t.equal(report.problems[0]!.seq, 41, 'the event after the altered one no longer chains onto it');
  t.match(report.problems[0]!.message, `${j.nodeId}:41`);
});

t.test('verify rejects a schema-invalid event and a seal signed by another key', async (t) => {
  const src = await openLevelJournal(tempDir(t));
  t.teardown(() => src.close());
  await src.append([tick(1), { type: 'reading.sampled', data: { values: { x: 'warm' } } }]);
  const report = await verifyJournal(src, registry);
  t.equal(report.problems[0]!.kind, 'schema');
  t.equal(report.problems[0]!.seq, 2);

  const honest = await openLevelJournal(tempDir(t));
  t.teardown(() => honest.close());
  await honest.append([tick(1), tick(2)]);
  const relay = await openLevelJournal(tempDir(t));
  t.teardown(() => relay.close());
  await relay.ingest(await rawFeed(honest));
  t.ok((await verifyJournal(relay, registry)).ok, 'a relayed feed verifies on another node');

  // A relay appends a seal in the honest node's name, signed with its own key.
  const head = honest.heads().get(honest.nodeId)!;
  const { identity: mallory } = generateIdentity();
  const data = { seq: head.seq, hash: head.hash, publicKey: mallory.publicKey, signature: signMessage(mallory, sealMessage(honest.nodeId, head.seq, head.hash)) };
  const body = encodeBody(head.seq + 1, head.hlc, 'feed.sealed', 1, head.hash, JSON.stringify(data));
  await relay.ingest([{ origin: honest.nodeId, body }]);
  const forged = await verifyJournal(relay, registry);
  t.equal(forged.problems[0]!.kind, 'seal-key');
  t.equal(forged.problems[0]!.seq, head.seq + 1);
});

t.test('inspect finds an event by id and by position; tail returns the newest, oldest first', async (t) => {
  const j = await filledJournal(tempDir(t));
  t.teardown(() => j.close());
  const byId = await inspectEvent(j, { id: `${j.nodeId}:7` });
  t.equal(byId.position, 7);
  t.match(byId.hash, /^[0-9a-f]{64}$/);
  t.equal((await inspectEvent(j, { position: 7 })).event.id, byId.event.id);
  await t.rejects(inspectEvent(j, { id: `${j.nodeId}:9999` }), { code: 'SMOL_NOT_FOUND' });
  await t.rejects(inspectEvent(j, { id: 'garbage' }), { code: 'SMOL_CLI_USAGE' });
  const tail = await tailEvents(j, { limit: 3, types: ['reading.sampled'] });
  t.same(tail.map((e) => e.event.type), ['reading.sampled', 'reading.sampled', 'reading.sampled']);
  t.ok(tail[0]!.position < tail[2]!.position);
});

t.test('rebuild replays every projection from the start to the same state', async (t) => {
  const j = await filledJournal(tempDir(t));
  t.teardown(() => j.close());
  const first = await rebuildProjections(j, registry, allProjections);
  const state1 = await j.projectionStore('sensors').load();
  const second = await rebuildProjections(j, registry, allProjections);
  const state2 = await j.projectionStore('sensors').load();
  t.same(first.map((r) => r.position), allProjections.map(() => j.lastPosition()), 'every projection reached the end of the journal');
  t.same(second.map((r) => r.position), first.map((r) => r.position));
  t.same(state2, state1);
});
