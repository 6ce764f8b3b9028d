import t, { type Test } from 'tap';
import { openMemoryJournal } from '../core/journal/open-journal.js';
import { createRegistry } from '../core/events/default-registry.js';
import { SmolNode } from '../core/runtime/smol-node.js';
import type { SensorProvider } from '../core/sensors/sensor-port.js';
import { allProjections } from '../projections/all.js';
import { latestReadings, type SensorsState } from '../projections/sensors.js';
import { listNodes, type NodesState } from '../projections/nodes.js';
import { createGpio } from '../adapters/sensors/gpio.js';
import { ManualTimers } from './helpers/manual-timers.js';
import { waitFor } from './helpers/wait-for.js';

/** How many events of `type` the journal holds. */
async function countOf(journal: { read(o: { types: string[] }): AsyncIterable<unknown> }, type: string): Promise<number> {
  let n = 0;
  for await (const _ of journal.read({ types: [type] })) n++;
  return n;
}

/** A provider whose next sample the test decides; `undefined` values are unreadable. */
function scriptedProvider(samples: Array<Record<string, number>>): SensorProvider {
  return {
    name: 'script',
    sources: () => [{ source: 'script.temp', provider: 'script', unit: '°C', simulated: false }, { source: 'script.hum', provider: 'script', unit: '%', simulated: false }],
    sample: async () => samples.shift() ?? {},
  };
}

async function startNode(t: Test, samples: Array<Record<string, number>>, extra: Partial<Parameters<typeof SmolNode.start>[0]> = {}) {
  const journal = await openMemoryJournal();
  const timers = new ManualTimers();
  const node = await SmolNode.start({
    journal,
    registry: createRegistry(),
    name: 'kitchen',
    role: 'alpaca',
    software: 'test',
    projections: allProjections,
    schedules: [{ provider: scriptedProvider(samples), intervalMs: 1000 }],
    sealIntervalMs: 60_000,
    timers,
    ...extra,
  });
  t.teardown(() => journal.close());
  return { node, journal, timers };
}

t.test('a started node journals node.started and its sources, then one reading event per tick', async (t) => {
  const { node, journal, timers } = await startNode(t, [{ 'script.temp': 21.5, 'script.hum': 40 }, { 'script.temp': 22 }]);
  await waitFor(async () => (await countOf(journal, 'reading.sampled')) === 1, { timeoutMs: 5000, message: 'the first tick, which runs at start' });
  timers.fire(1000);
  await waitFor(async () => (await countOf(journal, 'reading.sampled')) === 2, { timeoutMs: 5000, message: 'the second tick' });
  const types: string[] = [];
  for await (const e of journal.read()) types.push(e.event.type);
  t.same(types, ['node.started', 'source.registered', 'source.registered', 'reading.sampled', 'reading.sampled']);
  const sensors = node.runner<SensorsState>('sensors');
  await sensors.caughtUp();
  const latest = latestReadings(sensors.state);
  t.same(latest.map((r) => [r.source, r.value, r.unit]).sort(), [['script.hum', 40, '%'], ['script.temp', 22, '°C']]);
  const nodes = node.runner<NodesState>('nodes');
  await nodes.caughtUp();
  t.equal(listNodes(nodes.state)[0]!.name, 'kitchen');
  await node.stop('test');
});

t.test('an unreadable value is absent from the reading, and an empty tick writes nothing', async (t) => {
  const samples: Array<Record<string, number>> = [{ 'script.temp': 20 }, {}];
  const { node, journal, timers } = await startNode(t, samples);
  await waitFor(async () => (await countOf(journal, 'reading.sampled')) === 1, { timeoutMs: 5000, message: 'the first tick' });
  timers.fire(1000);
  await waitFor(() => samples.length === 0, { timeoutMs: 5000, message: 'the second sample' });
  await node.stop('test'); // waits for the tick in flight
  const readings = [];
  for await (const e of journal.read({ types: ['reading.sampled'] })) readings.push(e.event.data);
  t.same(readings, [{ values: { 'script.temp': 20 } }]);
});

t.test('stopping journals node.stopped, seals the feed and commits the projections', async (t) => {
  const { node, journal } = await startNode(t, [{ 'script.temp': 20 }]);
  await node.stop('SIGTERM'); // with the first tick still in flight: stop waits for it
  const last: string[] = [];
  for await (const e of journal.read({ reverse: true, limit: 2 })) last.push(e.event.type);
  t.same(last, ['feed.sealed', 'node.stopped']);
  const checkpoint = await journal.projectionStore('sensors').load();
  t.equal(checkpoint?.position, journal.lastPosition(), 'the sensors checkpoint covers every event');
});

t.test('a clock jump is journaled as clock.jumped', async (t) => {
  const { node, journal } = await startNode(t, []);
  node.reportClockJump({ kind: 'backward', from: 2_000_000, to: 1_000_000 });
  await waitFor(async () => (await countOf(journal, 'clock.jumped')) > 0, { timeoutMs: 5000, message: 'clock.jumped' });
  const jumps = [];
  for await (const e of journal.read({ types: ['clock.jumped'] })) jumps.push(e.event.data);
  t.same(jumps, [{ kind: 'backward', fromMs: 2_000_000, toMs: 1_000_000 }]);
  await node.stop('test');
});

t.test('GPIO writes and mode switches are journaled; simulated pins are labelled', async (t) => {
  const gpio = await createGpio({ pins: [{ name: 'led', pin: 12, direction: 'output', pull: 'off' }, { name: 'button', pin: 11, direction: 'input', pull: 'up' }], mode: 'simulated', seed: 3 });
  const { node, journal } = await startNode(t, [], { gpio, schedules: [{ provider: gpio, intervalMs: 1000 }] });
  await node.writeGpio('led', 1);
  await t.rejects(node.writeGpio('button', 1), { code: 'SMOL_GPIO_NOT_OUTPUT' });
  await t.rejects(node.setGpioMode('hardware', 'test'), { code: 'SMOL_SENSOR_UNAVAILABLE' });
  await node.setGpioMode('simulated', 'test');
  const events = [];
  const versions: number[] = [];
  for await (const e of journal.read({ types: ['gpio.written', 'gpio.mode.changed', 'source.registered'] })) {
    events.push([e.event.type, e.event.data]);
    if (e.event.type === 'source.registered') versions.push(e.event.v);
  }
  t.ok(versions.length > 0 && versions.every((v) => v === 2), `sources are registered as v2 (${versions.join(',')})`);
  t.ok(events.filter(([type]) => type === 'source.registered').every(([, d]) => (d as { binary: boolean }).binary === true), 'a GPIO pin is registered as binary');
  t.same(events.filter(([type]) => type !== 'source.registered'), [['gpio.written', { pin: 'led', value: 1, simulated: true }], ['gpio.mode.changed', { mode: 'simulated', reason: 'test' }]]);
  t.ok(events.filter(([type]) => type === 'source.registered').every(([, d]) => (d as { simulated: boolean }).simulated), 'every gpio source says simulated');
  await node.stop('test');
});
