import t from 'tap';
import { encodeHlc } from '../core/clock/hlc.js';
import { GENESIS_PREV, eventId, type SmolEvent } from '../core/events/event.js';
import type { EventDataMap, EventType } from '../core/events/core-events.js';
import { defineProjection, exhaustive, isKnownEvent, type EventOf } from '../core/projection/define-projection.js';
import type { Projection } from '../core/projection/projection.js';
import { storageProjection } from '../projections/storage.js';
import { toolCallsProjection } from '../projections/tool-calls.js';
import { memoriesProjection, getMemory } from '../projections/memories.js';
import { observationsProjection } from '../projections/observations.js';
import { nodesProjection, getNode } from '../projections/nodes.js';
import { allProjections } from '../projections/all.js';

// Projections are typed per event (issue 11, item 7): `evolve` receives the union of the handled
// events, `apply` is the one gate in front of it (unhandled types and newer versions never reach it).

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const by = { kind: 'agent' as const };
const embedding = { model: 'all-minilm', dim: 2, vector: 'AAAAAAAAAAA=' };

/** A typed event: the compiler checks `data` against the registered schema of `type`. */
function typed<T extends EventType>(type: T, data: EventDataMap[T], seq = 1, origin = 'nA', ms = T0): EventOf<T> {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(ms, 0), type, v: 1, data, prev: GENESIS_PREV } as EventOf<T>;
}

/** Any journal event, as the runner hands it over. */
function raw(type: string, data: unknown, v = 1, seq = 1, origin = 'nA'): SmolEvent {
  return { id: eventId(origin, seq), origin, seq, hlc: encodeHlc(T0, 0), type, v, data, prev: GENESIS_PREV };
}

function given<S>(p: Projection<S>, events: SmolEvent[]): { state: S; records: Map<string, unknown> } {
  const records = new Map<string, unknown>();
  let state = p.initial();
  for (const e of events) state = p.apply(state, e, (k, v) => void (v === undefined ? records.delete(k) : records.set(k, v)));
  return { state, records };
}

t.test('given storage.written then storage.deleted of the key, when applied, then the record is gone and both are counted', async (t) => {
  const { state, records } = given(storageProjection, [
    typed('storage.written', { key: 'plants', value: 3, by }, 1),
    typed('storage.written', { key: 'cats', value: 1, by }, 2),
    typed('storage.deleted', { key: 'plants', by }, 3),
  ]);
  t.same(state, { writes: 2, deletes: 1 });
  t.same([...records.keys()], ['k/nA/cats']);
});

t.test('given tool.called and its tool.completed, when applied, then one completed row and no open call remain', async (t) => {
  const { state, records } = given(toolCallsProjection, [
    typed('tool.called', { callId: 'c1', tool: 'math', args: { expr: '1+1' }, caller: by }, 1),
    typed('tool.completed', { callId: 'c1', tool: 'math', ok: false, error: { code: 'SMOL_X', message: 'no' }, durationMs: 4 }, 2),
  ]);
  t.same(state.open, {});
  t.equal(state.failed, 1);
  const rows = [...records.values()] as Array<{ status: string; durationMs: number }>;
  t.same(rows.map((r) => [r.status, r.durationMs]), [['error', 4]]);
});

t.test('given a memory remembered and confirmed, when applied, then its confidence grew and it counts one confirmation', async (t) => {
  const { state } = given(memoriesProjection, [
    typed('memory.remembered', { text: 'the cellar is damp', kind: 'fact', confidence: 0.5, sources: [], by, embedding }, 1),
    typed('memory.confirmed', { memoryId: 'nA:1', confidence: 1, similarity: 0.9, by }, 2),
  ]);
  const m = getMemory(state, 'nA:1');
  t.equal(m?.confirmations, 1);
  t.equal(m?.confidence, 0.75);
});

t.test('given an observation, when evolve is called directly with the typed event, then it is counted by kind and method', async (t) => {
  const rows = new Map<string, unknown>();
  const e = typed('observation.recorded', {
    text: 'warmer', kind: 'trend', confidence: 0.8, sources: ['cpu'], method: 'statistical', model: null, window: { fromMs: 0, toMs: 1 }, embedding,
  });
  const state = observationsProjection.evolve(observationsProjection.initial(), e, (k, v) => void rows.set(k, v));
  t.same(state.byKind, { trend: 1 });
  t.equal(state.byOrigin.nA?.statistical, 1);
  t.equal(rows.size, 1);
});

t.test('apply passes a typed projection only its handled types at a version this build knows', async (t) => {
  const { state, records } = given(storageProjection, [
    raw('tool.called', { callId: 'c', tool: 't', args: null, caller: by }),
    raw('something.new', { key: 'x' }),
    raw('storage.written', { key: 'from-a-newer-peer', shape: 'unknown' }, 2),
  ]);
  t.same(state, { writes: 0, deletes: 0 }, 'another type, an unknown type and a newer version change nothing');
  t.equal(records.size, 0);
});

t.test("a '*' projection sees every event, and reads data only of known types and versions", async (t) => {
  const { state } = given(nodesProjection, [raw('something.new', { x: 1 }, 1, 1, 'nB'), raw('node.stopped', { why: 'newer shape' }, 2, 2, 'nB')]);
  const node = getNode(state, 'nB');
  t.equal(node?.headSeq, 2, 'both events moved the head');
  t.equal(node?.status, 'unknown', 'the newer node.stopped was not read');
  t.equal(isKnownEvent(raw('node.stopped', { reason: 'x' })), true);
  t.equal(isKnownEvent(raw('node.stopped', { reason: 'x' }, 2)), false);
  t.equal(isKnownEvent(raw('something.new', {})), false);
});

t.test('every projection a node runs declares its handled types as registered types', async (t) => {
  for (const p of allProjections) t.ok(p.handles === '*' || p.handles.length > 0, p.name);
});

t.test('the compiler checks evolve: a missing case, an unregistered type and a wrong data field do not compile', async (t) => {
  // Each @ts-expect-error below fails the typecheck (and so this test) if the check it marks disappears.
  const partial = defineProjection({
    name: 'partial',
    version: 1,
    handles: ['storage.written', 'storage.deleted'],
    initial: (): number => 0,
    evolve(state, event) {
      switch (event.type) {
        case 'storage.written':
          return state + event.data.key.length; // narrowed: data is storage.written's
        default:
          // @ts-expect-error storage.deleted has no case, so `event` is not never here
          return exhaustive(event, state);
      }
    },
  });
  defineProjection({
    name: 'unregistered',
    version: 1,
    // @ts-expect-error a type that is not in EventDataMap cannot be handled
    handles: ['no.such.type'],
    initial: (): number => 0,
    evolve: (state) => state,
  });
  defineProjection({
    name: 'wrong-field',
    version: 1,
    handles: ['tool.completed'],
    initial: (): number => 0,
    evolve(state, event) {
      // @ts-expect-error tool.completed has no `args`
      return event.data.args === undefined ? state : state + 1;
    },
  });
  // At run time the unhandled branch leaves the state as it was.
  t.equal(partial.apply(5, raw('storage.deleted', { key: 'k', by }), () => undefined), 5);
  t.equal(partial.apply(5, raw('storage.written', { key: 'abc', value: 1, by }), () => undefined), 8);
});
