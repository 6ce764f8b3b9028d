import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId, type SmolEvent } from '../core/events/event.js';
import { getNode, nodesProjection, seenLocally, type NodesState } from '../projections/nodes.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const TEN_YEARS = 10 * 365 * 86_400_000;
const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);

function ev(origin: string, seq: number, ms: number, type: string, data: unknown): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type, v: 1, data, prev: GENESIS_PREV };
}

function given(...events: SmolEvent[]): NodesState {
  let state = nodesProjection.initial();
  for (const e of events) state = nodesProjection.apply(state, e, () => undefined);
  return state;
}

const conflict = (seq: number, ms: number, peer: string, eventIdOf: string, via: 'usb' | 'http' = 'usb') =>
  ev('HUB', seq, ms, 'sync.conflict.detected', { peer, peerName: 'relay', via, eventId: eventIdOf, origin: 'EDGE', seq: 5, ours: H1, theirs: H2 });

t.test('given sync.conflict.detected events, the reporting node counts conflicts per delivering peer and keeps the last', async (t) => {
  const state = given(
    ev('HUB', 1, T0, 'node.started', { name: 'hub', role: 'llama', publicKey: 'k', software: 's' }),
    conflict(2, T0 + 1000, 'RELAY', 'EDGE:5'),
    conflict(3, T0 + 2000, 'RELAY', 'EDGE:9', 'http'),
    conflict(4, T0 + 3000, 'OTHER', 'EDGE:1'),
  );
  const peers = getNode(state, 'HUB')!.syncPeers;
  t.match(peers['RELAY'], { peer: 'RELAY', peerName: 'relay', conflicts: 2, lastConflict: { eventId: 'EDGE:9', ours: H1, theirs: H2, via: 'http', at: T0 + 2000 } });
  t.match(peers['OTHER'], { conflicts: 1, lastConflict: { eventId: 'EDGE:1', via: 'usb' } });
  t.equal(getNode(state, 'HUB')!.events, 4);
  const copy = getNode(state, 'HUB')!;
  copy.syncPeers['RELAY']!.lastConflict!.eventId = 'changed';
  t.equal(getNode(state, 'HUB')!.syncPeers['RELAY']!.lastConflict!.eventId, 'EDGE:9', 'queries hand out copies');
});

t.test('a peer that only synced has no conflicts', async (t) => {
  const state = given(
    ev('HUB', 1, T0, 'sync.completed', { peer: 'EDGE', peerName: 'edge', via: 'http', sent: 1, received: 1, bytesSent: 1, bytesReceived: 1, peerVector: {}, durationMs: 1, clockOffsetMs: null }),
  );
  t.match(getNode(state, 'HUB')!.syncPeers['EDGE'], { conflicts: 0, lastConflict: null });
});

t.test('given clock.skew.detected and .cleared, the skewed origin shows who reported it, by how much, and whether it still is', async (t) => {
  const ahead = ev('FAST', 1, T0 + TEN_YEARS, 'reading.sampled', { values: { t: 1 } });
  const detected = ev('HUB', 1, T0, 'clock.skew.detected', { origin: 'FAST', aheadMs: TEN_YEARS, remoteHlc: encodeHlc(T0 + TEN_YEARS, 0), maxOffsetMs: 60_000 });
  const state = given(ahead, detected);
  t.match(getNode(state, 'FAST')!.clockSkew, { active: true, aheadMs: TEN_YEARS, reportedBy: 'HUB', at: T0 });
  t.equal(getNode(state, 'FAST')!.lastSeen, T0 + TEN_YEARS, 'the projection keeps what the origin claims');

  const otherClears = given(ahead, detected, ev('EDGE', 1, T0 + 5000, 'clock.skew.cleared', { origin: 'FAST', aheadMs: 10 }));
  t.equal(getNode(otherClears, 'FAST')!.clockSkew!.active, true, 'only the reporter clears its report');
  const cleared = given(ahead, detected, ev('HUB', 2, T0 + 5000, 'clock.skew.cleared', { origin: 'FAST', aheadMs: 10 }));
  t.match(getNode(cleared, 'FAST')!.clockSkew, { active: false, aheadMs: 10, reportedBy: 'HUB', at: T0 + 5000 });
  const again = given(ahead, detected, ev('HUB', 2, T0 + 5000, 'clock.skew.cleared', { origin: 'FAST', aheadMs: 10 }), ev('HUB', 3, T0 + 9000, 'clock.skew.detected', { origin: 'FAST', aheadMs: 120_000, remoteHlc: encodeHlc(T0 + 129_000, 0), maxOffsetMs: 60_000 }));
  t.match(getNode(again, 'FAST')!.clockSkew, { active: true, aheadMs: 120_000 });
  t.equal(getNode(given(ev('FAST', 1, T0, 'reading.sampled', { values: {} })), 'FAST')!.clockSkew, null, 'no report, no skew');
});

t.test('last seen of another origin is when this node received its newest event, not the origin’s claim', async (t) => {
  const state = given(ev('FAST', 1, T0 + TEN_YEARS, 'reading.sampled', { values: { t: 1 } }), ev('HUB', 1, T0 - 1000, 'node.started', { name: 'hub', role: 'llama', publicKey: 'k', software: 's' }));
  const fast = seenLocally(getNode(state, 'FAST')!, { seq: 1, hash: H1, hlc: encodeHlc(T0 + TEN_YEARS, 0), receivedAt: T0 }, 'HUB');
  t.match(fast, { lastSeen: T0, claimedLastSeen: T0 + TEN_YEARS, lastSeenBy: 'received' });
  const self = seenLocally(getNode(state, 'HUB')!, { seq: 1, hash: H1, hlc: encodeHlc(T0 - 1000, 0) }, 'HUB');
  t.match(self, { lastSeen: T0 - 1000, lastSeenBy: 'own' }, 'our own events carry our own clock');
  const old = seenLocally(getNode(state, 'FAST')!, { seq: 1, hash: H1, hlc: encodeHlc(T0 + TEN_YEARS, 0) }, 'HUB');
  t.match(old, { lastSeen: T0 + TEN_YEARS, lastSeenBy: 'own' }, 'a head stored before receive times were kept says whose time it shows');
});
