import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId, type SmolEvent } from '../core/events/event.js';
import { getNode, nodesProjection, syncLag, type NodesState } from '../projections/nodes.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

function ev(origin: string, seq: number, ms: number, type: string, data: unknown): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type, v: 1, data, prev: GENESIS_PREV };
}

function given(...events: SmolEvent[]): NodesState {
  let state = nodesProjection.initial();
  for (const e of events) state = nodesProjection.apply(state, e, () => undefined);
  return state;
}

const completed = (origin: string, seq: number, ms: number, peer: string, peerVector: Record<string, number>, extra: Record<string, unknown> = {}) =>
  ev(origin, seq, ms, 'sync.completed', {
    peer, peerName: 'hub', via: 'http', sent: 5, received: 7, bytesSent: 100, bytesReceived: 300, peerVector, durationMs: 12, clockOffsetMs: 250, ...extra,
  });

t.test('given sync.completed events, each origin shows per peer what the peer holds, when it last synced, and the clock offset', async (t) => {
  const state = given(
    ev('EDGE', 1, T0, 'reading.sampled', { values: { t: 1 } }),
    ev('EDGE', 2, T0 + 1000, 'reading.sampled', { values: { t: 2 } }),
    ev('HUB', 1, T0, 'node.started', { name: 'hub', role: 'llama', publicKey: 'k', software: 's' }),
    completed('EDGE', 3, T0 + 2000, 'HUB', { EDGE: 2, HUB: 1 }),
    completed('EDGE', 4, T0 + 9000, 'HUB', { EDGE: 3, HUB: 1 }, { sent: 1, received: 0 }),
  );
  t.match(getNode(state, 'EDGE')?.syncPeers['HUB'], {
    peer: 'HUB', peerName: 'hub', via: 'http', vector: { EDGE: 3, HUB: 1 }, lastSyncAt: T0 + 9000, sent: 6, received: 7, bytesSent: 200, bytesReceived: 600, clockOffsetMs: 250, lastError: null,
  });
  t.equal(syncLag(state, 'EDGE', 'HUB'), 1, 'the hub lacked EDGE:4 at the last report');
  t.equal(syncLag(state, 'EDGE', 'NOBODY'), undefined);
  t.equal(syncLag(state, 'NOBODY', 'HUB'), undefined);
});

t.test('given sync.failed after a success, the peer shows the error; a later success clears it', async (t) => {
  const failed = given(
    completed('EDGE', 1, T0, 'HUB', { EDGE: 1 }),
    ev('EDGE', 2, T0 + 5000, 'sync.failed', { peer: 'HUB', peerName: 'hub', via: 'http', code: 'SMOL_SYNC_PEER_FAILED', message: 'connection refused', attempts: 3 }),
  );
  t.match(getNode(failed, 'EDGE')?.syncPeers['HUB'], { lastSyncAt: T0, lastError: { code: 'SMOL_SYNC_PEER_FAILED', at: T0 + 5000, attempts: 3 } });
  const healed = given(
    completed('EDGE', 1, T0, 'HUB', { EDGE: 1 }),
    ev('EDGE', 2, T0 + 5000, 'sync.failed', { peer: 'HUB', peerName: 'hub', via: 'http', code: 'SMOL_SYNC_PEER_FAILED', message: 'x', attempts: 1 }),
    completed('EDGE', 3, T0 + 9000, 'HUB', { EDGE: 2 }),
  );
  t.equal(getNode(healed, 'EDGE')?.syncPeers['HUB']?.lastError, null);
  const copy = getNode(healed, 'EDGE')!;
  copy.syncPeers['HUB']!.vector['EDGE'] = 99;
  t.equal(getNode(healed, 'EDGE')?.syncPeers['HUB']?.vector['EDGE'], 2, 'queries hand out copies');
});
