import t from 'tap';
import { deviceConfig, deviceHarness, FakeEdgeSource } from './helpers/device-harness.js';

const rain = deviceConfig({ platform: 'gpio-counter', name: 'rain', pin: 'rain_gauge', edge: 'falling', multiplier: 0.25, unit: 'mm', deviceClass: 'precipitation' });

t.test('pulses become a rate per minute and a total, times the multiplier', async (t) => {
  const clock = { now: 1_000_000 };
  const edges = new FakeEdgeSource(['rain_gauge'], () => clock.now);
  const h = deviceHarness(rain, { edges, clock });
  await h.runner.start();
  t.same(h.registered, [['rain.total', 'rain.rate']], 'its sources are registered once it exists');
  t.match(h.runner.sources()[0], { source: 'rain.total', unit: 'mm', deviceClass: 'precipitation', device: 'rain', platform: 'gpio-counter', binary: false });
  t.equal(h.runner.sources()[1]?.unit, 'mm/min');
  for (let i = 0; i < 6; i++) {
    edges.edge('rain_gauge', 0); // a tip: the falling edge counts
    edges.edge('rain_gauge', 1);
  }
  clock.now += 60_000;
  t.same(await h.runner.sample(), { 'rain.total': 1.5, 'rain.rate': 1.5 });
  edges.edge('rain_gauge', 0);
  clock.now += 30_000;
  t.same(await h.runner.sample(), { 'rain.total': 1.75, 'rain.rate': 0.5 }, 'the rate is per minute of the time since the last sample');
  clock.now += 60_000;
  t.same(await h.runner.sample(), { 'rain.total': 1.75, 'rain.rate': 0 }, 'no pulses: rate 0, the total stays');
  t.same(h.runner.stats().get('rain.total'), { ok: 3, failed: 0 });
  await h.runner.close();
  t.equal(edges.listening('rain_gauge'), 0, 'close unsubscribes');
});

t.test('the total continues from the last journaled total after a restart', async (t) => {
  const clock = { now: 0 };
  const edges = new FakeEdgeSource(['rain_gauge'], () => clock.now);
  const h = deviceHarness(rain, { edges, clock, lastValues: { 'rain.total': 42.5 } });
  await h.runner.start();
  edges.edge('rain_gauge', 0);
  edges.edge('rain_gauge', 0);
  clock.now += 60_000;
  t.same(await h.runner.sample(), { 'rain.total': 43, 'rain.rate': 0.5 });
});

t.test('rising and both edges', async (t) => {
  for (const [edge, expected] of [['rising', 2], ['both', 4]] as const) {
    const clock = { now: 0 };
    const edges = new FakeEdgeSource(['meter'], () => clock.now);
    const h = deviceHarness(deviceConfig({ platform: 'gpio-counter', name: 'water', pin: 'meter', edge, multiplier: 1, unit: 'L' }), { edges, clock });
    await h.runner.start();
    for (const v of [1, 0, 1, 0] as const) edges.edge('meter', v);
    clock.now += 60_000;
    t.equal((await h.runner.sample())['water.total'], expected, edge);
  }
});

t.test('without edges, or on a pin that is not an input, reads fail (counted, logged once) and the device recovers once edges are there', async (t) => {
  const noEdges = deviceHarness(rain);
  await noEdges.runner.start();
  t.same(await noEdges.runner.sample(), {});
  t.same(await noEdges.runner.sample(), {});
  t.match(noEdges.runner.stats().get('rain.total'), { ok: 0, failed: 2, lastError: { code: 'SMOL_DEVICE_UNAVAILABLE' } });
  t.equal(noEdges.warnings.filter((w) => w.key === 'rain:rain.total').length, 1, 'logged once');
  t.match(noEdges.runner.problem(), { code: 'SMOL_DEVICE_UNAVAILABLE' });

  const clock = { now: 0 };
  const edges = new FakeEdgeSource(['other'], () => clock.now);
  const wrongPin = deviceHarness(rain, { edges, clock });
  await wrongPin.runner.start();
  t.match(wrongPin.runner.problem(), { code: 'SMOL_GPIO_PIN_UNKNOWN', message: /rain_gauge/ }, 'a pin that is not an input: the device cannot be made');
  t.same(wrongPin.registered, [], 'nothing registered');
  t.match(wrongPin.warnings, [{ key: 'rain:create', message: /could not be set up.*trying again/ }]);
  clock.now += 60_000;
  t.same(await wrongPin.runner.sample(), {}, 'still not there');
  (edges as unknown as { inputs: string[] }).inputs.push('rain_gauge'); // the pin is configured now
  clock.now += 60_000;
  t.same(await wrongPin.runner.sample(), { 'rain.total': 0 }, 'made on the next sample (no rate yet: no time has passed for it)');
  t.same(wrongPin.registered, [['rain.total', 'rain.rate']], 'and registered then');
  edges.edge('rain_gauge', 0);
  clock.now += 60_000;
  t.same(await wrongPin.runner.sample(), { 'rain.total': 0.25, 'rain.rate': 0.25 });
  t.equal(wrongPin.runner.problem(), undefined, 'recovered');
  t.match(wrongPin.infos.join('\n'), /device rain is there now/);
  t.same(wrongPin.warnings, [], 'the warning key is cleared, so a new failure is logged again');
});
