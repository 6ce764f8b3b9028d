import t from 'tap';
import { loadConfig } from '../adapters/config/load-config.js';
import { createLogger } from '../adapters/log/logger.js';
import { UnitRegistry } from '../core/runtime/units.js';
import { Shelf, type UnitContext } from '../adapters/units/context.js';
import { journalUnit } from '../adapters/units/journal.js';
import { pushUnit } from '../adapters/units/push.js';
import { sensorsUnit } from '../adapters/units/sensors.js';
import { nodeUnit } from '../adapters/units/node.js';
import { beginUnit } from '../adapters/units/begin.js';
import type { Journal } from '../core/journal/journal.js';
import { FakeGpioChips } from './helpers/fake-gpio-chip.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const PI5 = { rpio: { available: false, model: 'Raspberry Pi 5 Model B Rev 1.0', reason: 'not supported by rpio' }, chips: ['gpiochip0'], dev: '/dev' };

/** The `gpio.door` values journaled so far, in order, with the position of node.started. */
async function doorReadings(journal: Journal): Promise<{ values: number[]; started: number; firstDoorAt: number }> {
  const values: number[] = [];
  let started = 0;
  let firstDoorAt = 0;
  for await (const e of journal.read()) {
    if (e.event.type === 'node.started') started = e.position;
    if (e.event.type !== 'reading.sampled') continue;
    const v = (e.event.data as { values: Record<string, number> }).values['gpio.door'];
    if (v === undefined) continue;
    values.push(v);
    firstDoorAt ||= e.position;
  }
  return { values, started, firstDoorAt };
}

t.test('a door contact that opens is journaled when it happens, not at the next poll', async (t) => {
  const cwd = tempDir(t);
  // The poll is an hour apart: only the edge can bring the new value within the deadline.
  const config = await loadConfig({
    cwd,
    env: { SMOLLAMA_SENSORS__GPIO__PINS: '[{name: door, pin: 11, direction: input, pull: up}, {name: relay, line: 23, direction: output}]' },
    flags: { set: ['sensors.system.enabled=false', 'sensors.gpio.intervalMs=3600000', 'sensors.gpio.mode=hardware', 'journal.readingsCommitMs=0'] },
  });
  const chips = new FakeGpioChips();
  chips.levels.set('gpiochip0:17', 0);
  const logger = createLogger({ level: 'warn', format: 'json', write: () => undefined, tty: false, journald: false });
  const shelf = new Shelf();
  const acquire = [journalUnit(), pushUnit(), sensorsUnit({ gpio: { detect: async () => PI5, openLines: async () => chips } }), nodeUnit()];
  const registry = new UnitRegistry<UnitContext>([...acquire, beginUnit(acquire.map((u) => u.name))], {
    context: (unit) => ({ config, log: logger.child({ unit: unit.name }), shelf, output: { out: () => undefined, err: () => undefined }, stopReason: () => 'test' }),
  });
  await registry.start();
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await registry.stop();
  });
  const journal = shelf.get('journal');
  t.equal(shelf.get('gpio')?.backend, 'chardev', 'the fake Pi 5 is driven through the chardev');
  await waitFor(async () => (await doorReadings(journal)).values.length === 1, { timeoutMs: 5000, message: 'the first (heartbeat) sample after node.started' });
  t.same((await doorReadings(journal)).values, [0], 'the door starts closed');

  t.ok(chips.edge('gpiochip0', 17, 1), 'the contact opens: the kernel reports an edge');
  chips.edge('gpiochip0', 17, 0);
  chips.edge('gpiochip0', 17, 1); // and bounces
  await waitFor(async () => (await doorReadings(journal)).values.length >= 2, { timeoutMs: 5000, message: 'the edge to be journaled' });
  const after = await doorReadings(journal);
  t.same(after.values, [0, 1], 'one reading.sampled with the new value; the bounces are debounced away');
  t.ok(after.firstDoorAt > after.started, 'nothing of GPIO is journaled before node.started');

  await registry.stop();
  stopped = true;
  t.notOk(chips.isHeld('gpiochip0', 17), 'stopping the node releases the input line');
  t.notOk(chips.isHeld('gpiochip0', 23), 'and the output line');
});

t.test('with the readings window on (10 s), an edge is still written at once', async (t) => {
  const cwd = tempDir(t);
  const config = await loadConfig({
    cwd,
    env: { SMOLLAMA_SENSORS__GPIO__PINS: '[{name: door, pin: 11, direction: input, pull: up}]' },
    flags: { set: ['sensors.system.enabled=false', 'sensors.gpio.intervalMs=3600000', 'sensors.gpio.mode=hardware', 'journal.readingsCommitMs=10000'] },
  });
  const chips = new FakeGpioChips();
  const logger = createLogger({ level: 'warn', format: 'json', write: () => undefined, tty: false, journald: false });
  const shelf = new Shelf();
  const acquire = [journalUnit(), pushUnit(), sensorsUnit({ gpio: { detect: async () => PI5, openLines: async () => chips } }), nodeUnit()];
  const registry = new UnitRegistry<UnitContext>([...acquire, beginUnit(acquire.map((u) => u.name))], {
    context: (unit) => ({ config, log: logger.child({ unit: unit.name }), shelf, output: { out: () => undefined, err: () => undefined }, stopReason: () => 'test' }),
  });
  await registry.start();
  t.teardown(() => registry.stop());
  const journal = shelf.get('journal');
  chips.edge('gpiochip0', 17, 1);
  // Well inside the 10 s window: only a write at the edge brings it this soon.
  await waitFor(async () => (await doorReadings(journal)).values.includes(1), { timeoutMs: 5000, message: 'the edge, before the readings window ends' });
  t.ok((await doorReadings(journal)).values.includes(1), 'the open door is journaled');
});
