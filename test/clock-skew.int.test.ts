import t from 'tap';
import { join } from 'node:path';
import { hlcWall } from '../core/clock/hlc.js';
import { createRegistry } from '../core/events/default-registry.js';
import type { ClockSkewDetectedData } from '../core/events/sync-events.js';
import type { LevelJournal } from '../core/journal/level-journal.js';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { getNode, nodesProjection, seenLocally, type NodesState } from '../projections/nodes.js';
import { syncSection } from '../adapters/config/sections/sync.js';
import { SyncService } from '../adapters/sync/sync-service.js';
import { clockSkewReporter } from '../adapters/sync/clock-skew-reporter.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

t.setTimeout(120_000);

const config = syncSection.parse({ cluster: 'skew' });
const MAX_OFFSET = 60_000;
const TEN_YEARS = 10 * 365 * 86_400_000;
const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

async function skewEvents(journal: LevelJournal): Promise<Array<{ type: string; data: ClockSkewDetectedData }>> {
  const out: Array<{ type: string; data: ClockSkewDetectedData }> = [];
  for await (const e of journal.read({ types: ['clock.skew.detected', 'clock.skew.cleared'] })) out.push({ type: e.event.type, data: e.event.data as ClockSkewDetectedData });
  return out;
}

async function nodesOf(journal: LevelJournal): Promise<NodesState> {
  const registry = createRegistry();
  let state = nodesProjection.initial();
  for await (const e of journal.read()) state = nodesProjection.apply(state, registry.upcast(e.event), () => undefined);
  return state;
}

t.test('a peer ten years ahead: stored and forwarded, skew journaled and logged once per crossing, last seen by our clock', async (t) => {
  const root = tempDir(t, 'smollama-skew-');
  let peerNow = T0 + TEN_YEARS;
  let hubNow = T0;
  const peer = await openLevelJournal(join(root, 'peer', 'journal'), { sync: false, clock: { now: () => peerNow } });
  t.teardown(() => peer.close().catch(() => undefined));
  const peerSync = await SyncService.open(peer, join(root, 'peer'), config, createRegistry());

  const logs: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const openHub = async (): Promise<{ journal: LevelJournal; sync: SyncService }> => {
    const skew = clockSkewReporter({ journal: () => journal, maxOffsetMs: MAX_OFFSET, log: (message, fields) => logs.push({ message, ...(fields ? { fields } : {}) }) });
    const journal: LevelJournal = await openLevelJournal(join(root, 'hub', 'journal'), { sync: false, clock: { now: () => hubNow, maxOffsetMs: MAX_OFFSET, ...skew } });
    const sync = await SyncService.open(journal, join(root, 'hub'), config, createRegistry());
    await sync.trust.add(peer.publicKey, 'fast', journal.nodeId);
    return { journal, sync };
  };
  let hub = await openHub();
  t.teardown(() => hub.journal.close().catch(() => undefined));

  const deliver = async (readings: number): Promise<void> => {
    await peer.append(Array.from({ length: readings }, (_, i) => ({ type: 'reading.sampled', data: { values: { 'fast.temp': 20 + i } } })));
    const planned = await peerSync.planFor(hub.journal.vector(), { sealNow: true });
    if (!planned) throw new Error('nothing to deliver');
    const chunks: Buffer[] = [];
    for await (const c of planned.stream) chunks.push(c);
    const [r] = await hub.sync.importBytes(Buffer.concat(chunks), 'pull from fast');
    t.equal(r!.status, 'applied', `delivered ${readings} readings`);
    // A local append after the import: the report, queued before it, is durable when this is.
    await hub.journal.appendOne('reading.sampled', { values: { 'hub.temp': 21 } });
  };

  await deliver(5);
  const P = peer.nodeId;
  t.equal(hub.journal.vector()[P], 6, 'the events are stored (5 readings and a seal)');
  await waitFor(async () => (await skewEvents(hub.journal)).length > 0, { timeoutMs: 5000, message: 'clock.skew.detected in the hub journal' });
  let events = await skewEvents(hub.journal);
  t.equal(events.length, 1);
  t.match(events[0], { type: 'clock.skew.detected', data: { origin: P, maxOffsetMs: MAX_OFFSET } });
  t.ok(events[0]!.data.aheadMs > TEN_YEARS - 1000, `ten years ahead (${events[0]!.data.aheadMs} ms)`);
  t.equal(hlcWall(events[0]!.data.remoteHlc), hlcWall(hub.journal.heads().get(P)!.hlc), 'with the timestamp it carried');
  t.equal(logs.length, 1, 'logged once');
  t.match(logs[0]!.fields, { origin: P });
  t.ok(hlcWall(hub.journal.heads().get(hub.journal.nodeId)!.hlc) < T0 + MAX_OFFSET, 'our clock did not follow');

  await deliver(3);
  t.equal((await skewEvents(hub.journal)).length, 1, 'still ahead: not journaled again');
  t.equal(logs.length, 1, 'nor logged again');

  // The state is in the journal's heads: a restart does not report the same skew again.
  await hub.journal.close();
  hub = await openHub();
  await deliver(2);
  t.equal((await skewEvents(hub.journal)).length, 1, 'not journaled again after a restart');

  const head = hub.journal.heads().get(P)!;
  t.equal(head.receivedAt, T0, 'the head keeps when we received it, by our clock');
  t.ok(head.aheadMs! > TEN_YEARS - 1000, 'and by how much the origin ran ahead');
  t.match(hub.sync.originStatus(), [{ origin: P, receivedAt: T0, aheadMs: head.aheadMs }], '/sync/status data');

  const state = await nodesOf(hub.journal);
  const node = getNode(state, P)!;
  t.match(node.clockSkew, { active: true, reportedBy: hub.journal.nodeId });
  const seen = seenLocally(node, head, hub.journal.nodeId);
  t.equal(seen.lastSeen, T0, 'last seen is our receive time, not 2036');
  t.ok(seen.claimedLastSeen > T0 + TEN_YEARS - 1000, 'what the peer claims stays visible');

  // Our time catches up: its events are within the limit again (cleared), then it runs ahead again.
  hubNow = peerNow + 1000;
  await deliver(1);
  await waitFor(async () => (await skewEvents(hub.journal)).length === 2, { timeoutMs: 5000, message: 'clock.skew.cleared' });
  t.match((await skewEvents(hub.journal))[1], { type: 'clock.skew.cleared', data: { origin: P } });
  t.equal(hub.journal.heads().get(P)!.aheadMs, undefined, 'the head is no longer marked');
  peerNow = hubNow + 5 * MAX_OFFSET;
  await deliver(1);
  await waitFor(async () => (await skewEvents(hub.journal)).length === 3, { timeoutMs: 5000, message: 'a second clock.skew.detected' });
  t.match((await skewEvents(hub.journal))[2], { type: 'clock.skew.detected', data: { origin: P } });
  t.equal(logs.length, 3, 'detected, cleared, detected: one line each');
});
