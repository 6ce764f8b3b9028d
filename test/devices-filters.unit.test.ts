import t from 'tap';
import type { FilterSpec } from '../core/devices/filters/filter.js';
import { initialChain, runChain, type ChainState } from '../core/devices/filters/chain.js';
import { fitLinear } from '../core/devices/filters/calibrate.js';

/** Feeds [value, atMs] pairs through a chain; returns what it would journal (undefined = nothing). */
function feed(specs: FilterSpec[], inputs: Array<[number, number]>): Array<number | undefined | string> {
  let state: ChainState = initialChain(specs);
  return inputs.map(([value, at]) => {
    const r = runChain(specs, state, value, at);
    state = r.state;
    return r.refused !== undefined ? 'refused' : r.out;
  });
}

t.test('throttle passes one value per period', async (t) => {
  t.same(feed([{ kind: 'throttle', ms: 1000 }], [[1, 0], [2, 500], [3, 999], [4, 1000], [5, 1500], [6, 2100]]), [1, undefined, undefined, 4, undefined, 6]);
});

t.test('delta passes only a change larger than its minimum from the last value it passed', async (t) => {
  t.same(feed([{ kind: 'delta', min: 0.5 }], [[20, 0], [20.3, 1], [20.5, 2], [20.6, 3], [20.2, 4], [19.9, 5]]), [20, undefined, undefined, 20.6, undefined, 19.9]);
});

t.test('median and mean of a sliding window, sent every n-th value', async (t) => {
  t.same(feed([{ kind: 'median', window: 3, sendEvery: 1 }], [[1, 0], [100, 1], [3, 2], [4, 3], [5, 4]]), [1, 50.5, 3, 4, 4], 'an outlier does not survive the median');
  t.same(feed([{ kind: 'mean', window: 2, sendEvery: 2 }], [[2, 0], [4, 1], [6, 2], [8, 3], [10, 4]]), [2, undefined, 5, undefined, 9], 'the first value is sent, then every second');
});

t.test('calibrate is the least-squares line through the points; clamp clamps or refuses', async (t) => {
  const line = fitLinear([[0, 1], [10, 21]]);
  t.same(line, { slope: 2, offset: 1 });
  const fit = fitLinear([[0, 0], [1, 1], [2, 2.3]]);
  t.ok(Math.abs(fit.slope - 1.15) < 1e-9 && Math.abs(fit.offset + 0.05) < 1e-9, 'three points: least squares');
  t.throws(() => fitLinear([[1, 2]]), TypeError);
  t.throws(() => fitLinear([[1, 2], [1, 3]]), TypeError);
  t.same(feed([{ kind: 'calibrate', ...line }], [[5, 0]]), [11]);
  t.same(feed([{ kind: 'clamp', min: 0, max: 100, drop: false }], [[-3, 0], [50, 1], [120, 2]]), [0, 50, 100]);
  t.same(feed([{ kind: 'clamp', min: -40, max: 125, drop: true }], [[-127, 0], [21.5, 1], [130, 2]]), ['refused', 21.5, 'refused'], 'a DS18B20 -127 is a refused read, not a value');
});

t.test('heartbeat sends the held value when nothing was sent for its period, wherever it is listed', async (t) => {
  const steady: Array<[number, number]> = [[20, 0], [20.1, 10_000], [20.2, 30_000], [20.1, 60_000], [20.1, 70_000], [21, 80_000], [21, 130_000], [21.1, 140_000]];
  t.same(feed([{ kind: 'delta', min: 0.5 }], steady), [20, undefined, undefined, undefined, undefined, 21, undefined, undefined], 'delta alone stays quiet');
  const beats = [20, undefined, undefined, 20.1, undefined, 21, undefined, 21.1];
  t.same(feed([{ kind: 'delta', min: 0.5 }, { kind: 'heartbeat', ms: 60_000 }], steady), beats, 'with a heartbeat: at least every 60 s');
  t.same(feed([{ kind: 'heartbeat', ms: 60_000 }, { kind: 'delta', min: 0.5 }], steady), beats, 'listed first: the same');
});

t.test('stages compose in order and state is passed, never shared', async (t) => {
  const specs: FilterSpec[] = [{ kind: 'calibrate', slope: 10, offset: 0 }, { kind: 'clamp', max: 50, drop: false }, { kind: 'delta', min: 5 }];
  t.same(feed(specs, [[1, 0], [1.2, 1], [4, 2], [9, 3], [9.9, 4]]), [10, undefined, 40, 50, undefined]);
  const s0 = initialChain(specs);
  const a = runChain(specs, s0, 1, 0);
  const b = runChain(specs, s0, 1, 0);
  t.same(a, b, 'the same state and input give the same result');
  t.same(s0, initialChain(specs), 'the state passed in is not changed');
  const refused = runChain([{ kind: 'clamp', max: 1, drop: true }, { kind: 'heartbeat', ms: 1 }], initialChain([{ kind: 'clamp', max: 1, drop: true }, { kind: 'heartbeat', ms: 1 }]), 5, 100);
  t.equal(refused.out, undefined, 'a heartbeat never sends a refused value');
  t.match(refused.refused, /outside/);
});
