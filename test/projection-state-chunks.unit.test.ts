import t from 'tap';
import { assembleState, diffState, hashAll, splitState } from '../core/projection/state-chunks.js';

// A projection's state is committed as chunks, so that a commit writes only what changed.

const big = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${String(i).padStart(3, '0')}`, { text: `memory number ${i}`, confirmations: i % 3 }]));

t.test('a small state is one chunk; a large one is split by entry and assembles back equal, key order included', async (t) => {
  t.equal(splitState({ n: 1 }).size, 1);
  const state = { memories: { zeta: { a: 1 }, alpha: { a: 2 }, ...big(200) }, forgotten: 3, list: [1, 2, 3] };
  const chunks = splitState(state, 256);
  t.ok(chunks.size > 200, `split into ${chunks.size} chunks`);
  const back = assembleState(chunks) as typeof state;
  t.same(back, state);
  t.same(Object.keys(back.memories), Object.keys(state.memories), 'insertion order of keys survives (zeta before alpha)');
  t.same(Object.keys(back), Object.keys(state));
  t.equal(assembleState([]), undefined);
});

t.test('the diff against the committed chunks writes only the changed entry, and deletes a removed one', async (t) => {
  const state = { memories: big(300), forgotten: 0 };
  const committed = hashAll(splitState(state, 512));
  state.memories['m007']!.confirmations += 1;
  const one = diffState(state, committed, 512);
  t.equal(one.writes.size, 1, 'one chunk written');
  t.ok([...one.writes.keys()][0]!.includes('m007'));
  t.ok(one.bytes < 100, `${one.bytes} bytes written of ${JSON.stringify(state).length}`);
  delete state.memories['m299'];
  const del = diffState(state, one.hashes, 512);
  t.same([...del.writes], [[JSON.stringify(['memories', 'm299']), undefined]], 'the last entry removed is one delete');
  t.equal(diffState(state, del.hashes, 512).writes.size, 0, 'nothing changed, nothing written');
});

t.test('a state that shrinks back below the split size replaces its chunks by one', async (t) => {
  const state: { memories: Record<string, unknown> } = { memories: big(50) };
  const before = hashAll(splitState(state, 256));
  state.memories = { only: 1 };
  const diff = diffState(state, before, 256);
  const written = [...diff.writes].filter(([, v]) => v !== undefined).map(([k]) => k);
  t.same(written, [JSON.stringify([])], 'the whole state is one chunk again');
  t.equal([...diff.writes.values()].filter((v) => v === undefined).length, before.size, 'every old chunk deleted');
  t.same(assembleState([...diff.writes].filter((e): e is [string, string] => e[1] !== undefined)), state);
});
