import t from 'tap';
import { debounceAll, debounceEdge, debounceSettle, debounceStart } from '../core/devices/debounce.js';

t.test('a contact that bounces within the window is one edge, reported at its first change', async (t) => {
  // A button pressed at 100 ms bounces 0/1 for 4 ms, then stays pressed (1).
  const bounces = [100, 101, 102, 103, 104].map((atMs, i) => ({ atMs, level: (i % 2 === 0 ? 1 : 0) as 0 | 1 }));
  t.same(debounceAll(bounces, 20, 0), [{ atMs: 100, level: 1 }]);
});

t.test('a level the bounces end on differs from the first change: the window end reports it', async (t) => {
  // 1 at 100, back to 0 at 103 and stays: the press was shorter than the window.
  t.same(debounceAll([{ atMs: 100, level: 1 }, { atMs: 103, level: 0 }], 20, 0), [
    { atMs: 100, level: 1 },
    { atMs: 120, level: 0 },
  ]);
});

t.test('changes farther apart than the window are each reported at once', async (t) => {
  const edges = [{ atMs: 0, level: 1 as const }, { atMs: 50, level: 0 as const }, { atMs: 100, level: 1 as const }];
  t.same(debounceAll(edges, 20, 0), edges);
});

t.test('an edge to the level already known is no change; window 0 passes every change', async (t) => {
  t.same(debounceAll([{ atMs: 5, level: 1 }], 20, 1), []);
  const step = debounceEdge(debounceStart(0), 1, 5, 0);
  t.equal(step.emit, 1);
  t.equal(step.settleAtMs, undefined, 'no window, no settle');
});

t.test('settle before the window ends waits; a negative window is a RangeError', async (t) => {
  const first = debounceEdge(debounceStart(0), 1, 10, 20);
  t.equal(first.settleAtMs, 30);
  const inside = debounceEdge(first.state, 0, 12, 20);
  t.equal(inside.emit, undefined, 'inside the window only remembered');
  t.equal(debounceSettle(inside.state, 25, 20).settleAtMs, 30, 'too early: settle again at the end');
  t.equal(debounceSettle(inside.state, 30, 20).emit, 0);
  t.throws(() => debounceEdge(debounceStart(0), 1, 0, -1), RangeError);
});
