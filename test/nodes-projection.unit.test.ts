import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId } from '../core/events/event.js';
import type { SmolEvent } from '../core/events/event.js';
import { getNode, listNodes, nodesProjection } from '../projections/nodes.js';
import type { NodesState } from '../projections/nodes.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const HASH = 'ab'.repeat(32);

function ev(origin: string, seq: number, ms: number, type: string, data: unknown, v = 1): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, seq), type, v, data, prev: GENESIS_PREV };
}

/** Applies events in order and returns the state; the nodes projection emits no records. */
function given(...events: SmolEvent[]): NodesState {
  const emitted: string[] = [];
  let state = nodesProjection.initial();
  for (const e of events) state = nodesProjection.apply(state, e, (k) => emitted.push(k));
  if (emitted.length > 0) throw new Error(`unexpected records: ${emitted.join(', ')}`);
  return state;
}

const started = (origin: string, seq: number, ms: number, name: string, role: 'llama' | 'alpaca') =>
  ev(origin, seq, ms, 'node.started', { name, role, publicKey: `pk-${origin}`, software: 'smollama 0.1.0' });

t.test('given a node that started and wrote readings, it shows its head, last seen, name and role', async (t) => {
  const state = given(
    started('A', 1, T0, 'shed-pi', 'alpaca'),
    ev('A', 2, T0 + 1000, 'reading.sampled', { values: { cpu: 40 } }),
    ev('A', 3, T0 + 2000, 'reading.sampled', { values: { cpu: 41 } }),
  );
  const a = getNode(state, 'A');
  t.match(a, {
    origin: 'A',
    headSeq: 3,
    headHlc: encodeHlc(T0 + 2000, 3),
    events: 3,
    firstSeen: T0,
    lastSeen: T0 + 2000,
    name: 'shed-pi',
    role: 'alpaca',
    publicKey: 'pk-A',
    software: 'smollama 0.1.0',
    status: 'started',
    startedAt: T0,
  });
});

t.test('given node.stopped after node.started, the node is stopped with its reason; a restart makes it started again', async (t) => {
  const stopped = given(started('A', 1, T0, 'a', 'llama'), ev('A', 2, T0 + 5000, 'node.stopped', { reason: 'SIGTERM' }));
  t.match(getNode(stopped, 'A'), { status: 'stopped', stoppedAt: T0 + 5000, stopReason: 'SIGTERM', name: 'a' });
  const restarted = given(
    started('A', 1, T0, 'a', 'llama'),
    ev('A', 2, T0 + 5000, 'node.stopped', { reason: 'SIGTERM' }),
    started('A', 3, T0 + 9000, 'a-renamed', 'llama'),
  );
  t.match(getNode(restarted, 'A'), { status: 'started', startedAt: T0 + 9000, stopReason: null, name: 'a-renamed' });
});

t.test('given only events of types the projection does not know, the node is listed with head but no identity', async (t) => {
  const state = given(ev('B', 1, T0, 'something.new', { x: 1 }), ev('B', 2, T0 + 10, 'node.started', { future: true }, 2));
  t.match(getNode(state, 'B'), { headSeq: 2, events: 2, status: 'unknown', name: null, role: null });
});

t.test('given feed.sealed and clock.jumped events, the last sealed seq and the jumps are kept', async (t) => {
  const state = given(
    started('A', 1, T0, 'a', 'alpaca'),
    ev('A', 2, T0 + 10, 'feed.sealed', { seq: 1, hash: HASH, publicKey: 'pk-A', signature: 'sig' }),
    ev('A', 3, T0 + 20, 'clock.jumped', { kind: 'backward', fromMs: T0 + 20_000, toMs: T0 + 20 }),
    ev('A', 4, T0 + 30, 'clock.jumped', { kind: 'forward', fromMs: 1000, toMs: T0 + 30 }),
    ev('A', 5, T0 + 40, 'feed.sealed', { seq: 4, hash: HASH, publicKey: 'pk-A', signature: 'sig' }),
  );
  t.match(getNode(state, 'A'), {
    sealedSeq: 4,
    clockJumps: 2,
    lastJump: { kind: 'forward', fromMs: 1000, toMs: T0 + 30, at: T0 + 30 },
  });
});

t.test('given events of two origins interleaved, each node keeps its own head and counts, listed by origin', async (t) => {
  const state = given(
    started('B', 1, T0, 'hub', 'llama'),
    started('A', 1, T0 + 5, 'edge', 'alpaca'),
    ev('B', 2, T0 + 10, 'reading.sampled', { values: {} }),
    ev('B', 3, T0 + 20, 'node.stopped', { reason: 'update' }),
  );
  t.same(
    listNodes(state).map((n) => [n.origin, n.name, n.role, n.headSeq, n.events, n.lastSeen, n.status]),
    [
      ['A', 'edge', 'alpaca', 1, 1, T0 + 5, 'started'],
      ['B', 'hub', 'llama', 3, 3, T0 + 20, 'stopped'],
    ],
  );
});

t.test('when asked for an origin never seen, getNode answers undefined', async (t) => {
  t.equal(getNode(given(started('A', 1, T0, 'a', 'alpaca')), 'Z'), undefined);
  t.equal(getNode(given(), 'toString'), undefined, 'not a property of Object.prototype');
});

t.test('given a query result, changing it does not change the state', async (t) => {
  const state = given(started('A', 1, T0, 'a', 'alpaca'), ev('A', 2, T0, 'clock.jumped', { kind: 'forward', fromMs: 0, toMs: T0 }));
  const copy = getNode(state, 'A')!;
  copy.name = 'changed';
  copy.lastJump!.kind = 'backward';
  t.match(getNode(state, 'A'), { name: 'a', lastJump: { kind: 'forward' } });
});

t.test('given a state that went through a JSON checkpoint, apply carries on from it', async (t) => {
  const restored = JSON.parse(JSON.stringify(given(started('A', 1, T0, 'a', 'alpaca')))) as NodesState;
  const state = nodesProjection.apply(restored, ev('A', 2, T0 + 60_000, 'node.stopped', { reason: 'x' }), () => {});
  t.match(getNode(state, 'A'), { headSeq: 2, events: 2, firstSeen: T0, lastSeen: T0 + 60_000, status: 'stopped' });
});
