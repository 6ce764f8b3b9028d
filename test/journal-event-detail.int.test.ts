import t from 'tap';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { httpNode } from './helpers/http-node.js';
import { testNode, exportFor, importInto } from './helpers/segment-fixtures.js';

t.test('GET /api/journal/events/:id: the event with its hash, size, time and who delivered it', async (t) => {
  const { app, journal } = await httpNode(t);
  const own = await journal.appendOne('node.stopped', { reason: 'detail test' });

  // A hub's feed arrives as a segment; this node then journals the exchange, as sync does.
  const hub = await testNode();
  t.teardown(() => hub.journal.close());
  await hub.journal.append([{ type: 'node.started', data: { name: 'hub', role: 'llama', publicKey: hub.journal.publicKey, software: 'test' } }]);
  const imported = await importInto({ journal: journal as LevelJournal, sign: hub.sign }, await exportFor(hub, {}), [hub]);
  t.ok(imported.applied >= 1, "the hub's feed is here");
  const hubHead = journal.heads().get(hub.journal.nodeId)!;
  const hubEventId = `${hub.journal.nodeId}:${hubHead.seq}`;
  const synced = await journal.appendOne('sync.completed', { peer: hub.journal.nodeId, peerName: 'hub', via: 'usb', sent: 0, received: hubHead.seq, bytesSent: 0, bytesReceived: 900, peerVector: { [hub.journal.nodeId]: hubHead.seq }, durationMs: 5, clockOffsetMs: null });

  await t.test('an event written here: delivered locally, with the hash its successor chains to', async (t) => {
    const res = await app.inject(`/api/journal/events/${encodeURIComponent(own.event.id)}`);
    t.equal(res.statusCode, 200);
    const d = res.json();
    t.equal(d.position, own.position);
    t.equal(d.event.id, own.event.id);
    t.match(d.hash, /^[0-9a-f]{64}$/);
    t.ok(d.bodyBytes > 20, `size in bytes: ${d.bodyBytes}`);
    t.match(d.at, /^\d{4}-\d\d-\d\dT/);
    t.same(d.delivery, { by: 'local' });
    const next = await journal.get(own.event.origin, own.event.seq + 1);
    t.equal(next?.event.prev, d.hash, "the next event of this origin names this hash as prev");
  });

  await t.test("another node's event: delivered by the peer whose sync round brought it", async (t) => {
    const d = (await app.inject(`/api/journal/events/${encodeURIComponent(hubEventId)}`)).json();
    t.equal(d.hash, hubHead.hash, "the hash is the hub's head");
    t.match(d.delivery, { by: 'peer', peer: hub.journal.nodeId, peerName: 'hub', via: 'usb', syncPosition: synced.position });
  });

  await t.test('an unknown or malformed id is a coded error', async (t) => {
    const missing = await app.inject(`/api/journal/events/${encodeURIComponent(`${journal.nodeId}:99999`)}`);
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().error.code, 'SMOL_NOT_FOUND');
    const bad = await app.inject('/api/journal/events/not-an-id');
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().error.code, 'SMOL_BAD_REQUEST');
  });
});
