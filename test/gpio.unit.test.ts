import t from 'tap';
import { isSmolError } from '../core/errors.js';
import type { PinConfig } from '../core/sensors/sensor-port.js';
import { type HardwareInfo, type RpioLike, createGpio } from '../adapters/sensors/gpio.js';
import { detectPiHardware, loadRpioModule } from '../adapters/sensors/gpio-hardware.js';
import { simulatedInputValue } from '../adapters/sensors/gpio-simulation.js';

const PINS: PinConfig[] = [
  { name: 'door', pin: 11, direction: 'input', pull: 'up' },
  { name: 'motion', pin: 13, direction: 'input', pull: 'down' },
  { name: 'button', pin: 15, direction: 'input', pull: 'off' },
  { name: 'relay', pin: 16, direction: 'output', pull: 'off' },
];

const A_PI: HardwareInfo = { available: true, model: 'Raspberry Pi 4 Model B Rev 1.4' };
const NO_PI: HardwareInfo = { available: false, reason: 'not a Raspberry Pi' };

/** A fake rpio that records every call and keeps pin levels in a map. */
function fakeRpio() {
  const calls: Array<[string, ...unknown[]]> = [];
  const levels = new Map<number, number>();
  const rpio: RpioLike = {
    INPUT: 0, OUTPUT: 1, LOW: 0, HIGH: 1, PULL_OFF: 0, PULL_DOWN: 1, PULL_UP: 2,
    init: (opts) => void calls.push(['init', opts]),
    open: (pin, mode, init) => {
      calls.push(['open', pin, mode, init]);
      if (mode === 1) levels.set(pin, init ?? 0);
    },
    read: (pin) => (calls.push(['read', pin]), levels.get(pin) ?? 0),
    write: (pin, value) => (calls.push(['write', pin, value]), void levels.set(pin, value)),
    close: (pin) => void calls.push(['close', pin]),
  };
  return { rpio, calls, levels };
}

function simulated(seed: number, now: () => number) {
  return createGpio({ pins: PINS, mode: 'simulated', seed, now, periodMs: 1000 });
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isSmolError(err) ? err.code : `not a SmolError: ${String(err)}`;
  }
  return undefined;
}

t.test('the same seed and the same time give the same values', async (t) => {
  const a = await simulated(7, () => 123_456);
  const b = await simulated(7, () => 123_999);
  t.same(await a.sample(), await b.sample());
  t.equal(simulatedInputValue(7, 'door', 123), simulatedInputValue(7, 'door', 123));
});

t.test('simulated input values change across time buckets over a run', async (t) => {
  let now = 0;
  const gpio = await simulated(1, () => now);
  const seen = new Map<string, Set<number>>();
  let changes = 0;
  let previous: number | undefined;
  for (let bucket = 0; bucket < 64; bucket++) {
    now = bucket * 1000 + 500;
    const sample = await gpio.sample();
    for (const [source, value] of Object.entries(sample)) {
      if (!seen.has(source)) seen.set(source, new Set());
      seen.get(source)?.add(value);
    }
    if (previous !== undefined && previous !== sample['gpio.door']) changes++;
    previous = sample['gpio.door'];
  }
  for (const name of ['door', 'motion', 'button']) t.same([...(seen.get(`gpio.${name}`) ?? [])].sort(), [0, 1], name);
  t.ok(changes >= 10 && changes <= 54, `door changed ${changes} times in 64 buckets`);
});

t.test('different seeds give different worlds', async (t) => {
  const run = (seed: number) =>
    Array.from({ length: 32 }, (_, bucket) => simulatedInputValue(seed, 'door', bucket)).join('');
  t.not(run(1), run(2));
  t.equal(run(1), run(1));
});

t.test('buckets beyond 32 bits still vary', async (t) => {
  const base = Math.floor(Date.UTC(2030, 0, 1) / 1000) * 2 ** 20; // well above 2^32
  const values = new Set(Array.from({ length: 32 }, (_, i) => simulatedInputValue(3, 'door', base + i * 2 ** 32)));
  t.same([...values].sort(), [0, 1]);
});

t.test('sample has a 0|1 value for every pin and every state is labelled simulated', async (t) => {
  const gpio = await simulated(5, () => 0);
  const sample = await gpio.sample();
  t.same(Object.keys(sample).sort(), ['gpio.button', 'gpio.door', 'gpio.motion', 'gpio.relay']);
  t.ok(Object.values(sample).every((v) => v === 0 || v === 1));
  t.equal(gpio.name, 'gpio');
  t.equal(gpio.mode, 'simulated');
  t.ok(gpio.list().every((p) => p.simulated));
  t.ok(gpio.sources().every((s) => s.simulated && s.provider === 'gpio' && s.unit === undefined));
  t.same(gpio.sources().map((s) => s.source), ['gpio.door', 'gpio.motion', 'gpio.button', 'gpio.relay']);
});

t.test('outputs start at 0 and hold the last written value', async (t) => {
  const gpio = await simulated(5, () => 0);
  t.equal(await gpio.read('relay'), 0);
  await gpio.write('relay', 1);
  t.equal(await gpio.read('relay'), 1);
  t.equal((await gpio.sample())['gpio.relay'], 1);
  t.equal(gpio.list().find((p) => p.name === 'relay')?.value, 1);
  await gpio.write('relay', 0);
  t.equal(await gpio.read('relay'), 0);
});

t.test('unknown pins and input pins are refused with codes', async (t) => {
  const gpio = await simulated(5, () => 0);
  t.equal(await errorCode(gpio.read('nope')), 'SMOL_GPIO_PIN_UNKNOWN');
  t.equal(await errorCode(gpio.write('nope', 1)), 'SMOL_GPIO_PIN_UNKNOWN');
  t.equal(await errorCode(gpio.write('door', 1)), 'SMOL_GPIO_NOT_OUTPUT');
});

t.test('duplicate pin names are a programmer mistake', async (t) => {
  await t.rejects(createGpio({ pins: [PINS[0]!, PINS[0]!], mode: 'simulated' }), TypeError);
});

t.test('auto mode on this machine, which is not a Pi, picks the simulation', async (t) => {
  const gpio = await createGpio({ pins: PINS, mode: 'auto' });
  t.equal(gpio.mode, 'simulated');
  t.equal(gpio.hardwareAvailable, false);
  t.type(gpio.hardware.reason, 'string');
});

t.test('auto mode without hardware never loads rpio', async (t) => {
  let loads = 0;
  const gpio = await createGpio({
    pins: PINS,
    mode: 'auto',
    detectHardware: async () => NO_PI,
    loadRpio: async () => (loads++, fakeRpio().rpio),
  });
  t.equal(gpio.mode, 'simulated');
  t.equal(loads, 0);
});

t.test('hardware mode without hardware throws SMOL_SENSOR_UNAVAILABLE', async (t) => {
  t.equal(await errorCode(createGpio({ pins: PINS, mode: 'hardware' })), 'SMOL_SENSOR_UNAVAILABLE');
  const gpio = await simulated(1, () => 0);
  t.equal(await errorCode(gpio.setMode('hardware')), 'SMOL_SENSOR_UNAVAILABLE');
  t.equal(gpio.mode, 'simulated', 'a refused switch leaves the mode alone');
});

t.test('the hardware path opens, reads and writes pins through rpio', async (t) => {
  const fake = fakeRpio();
  const gpio = await createGpio({ pins: PINS, mode: 'auto', detectHardware: async () => A_PI, loadRpio: async () => fake.rpio });
  t.equal(gpio.mode, 'hardware');
  t.ok(gpio.hardwareAvailable);
  t.same(fake.calls.slice(0, 5), [
    ['init', { gpiomem: true, mapping: 'physical' }],
    ['open', 11, fake.rpio.INPUT, fake.rpio.PULL_UP],
    ['open', 13, fake.rpio.INPUT, fake.rpio.PULL_DOWN],
    ['open', 15, fake.rpio.INPUT, fake.rpio.PULL_OFF],
    ['open', 16, fake.rpio.OUTPUT, fake.rpio.LOW],
  ]);
  fake.levels.set(11, 1);
  t.equal(await gpio.read('door'), 1);
  t.same(fake.calls.at(-1), ['read', 11]);
  await gpio.write('relay', 1);
  t.same(fake.calls.at(-1), ['write', 16, fake.rpio.HIGH]);
  t.same(await gpio.sample(), { 'gpio.door': 1, 'gpio.motion': 0, 'gpio.button': 0, 'gpio.relay': 1 });
  t.ok(gpio.list().every((p) => !p.simulated));
  t.ok(gpio.sources().every((s) => !s.simulated));
  t.equal(await errorCode(gpio.write('door', 1)), 'SMOL_GPIO_NOT_OUTPUT');
});

t.test('switching modes at run time carries outputs into the simulation and starts hardware LOW', async (t) => {
  const fake = fakeRpio();
  let loads = 0;
  const gpio = await createGpio({
    pins: PINS,
    mode: 'simulated',
    detectHardware: async () => A_PI,
    loadRpio: async () => (loads++, fake.rpio),
  });
  t.equal(loads, 0, 'rpio is not loaded while simulating');
  await gpio.write('relay', 1);
  await gpio.setMode('hardware');
  t.equal(gpio.mode, 'hardware');
  t.equal(await gpio.read('relay'), 0, 'a simulated write never drives a real output');
  await gpio.write('relay', 1);
  await gpio.setMode('simulated');
  t.equal(gpio.mode, 'simulated');
  t.ok(fake.calls.some((c) => c[0] === 'close' && c[1] === 16), 'hardware pins are released');
  t.equal(await gpio.read('relay'), 1, 'the real output level carries into the simulation');
  await gpio.setMode('hardware');
  t.equal(loads, 1, 'rpio is loaded once');
  t.equal(fake.calls.filter((c) => c[0] === 'init').length, 1, 'rpio is initialised once');
});

t.test('auto mode falls back to the simulation when rpio cannot be loaded', async (t) => {
  const gpio = await createGpio({
    pins: PINS,
    mode: 'auto',
    detectHardware: async () => A_PI,
    loadRpio: async () => {
      throw new Error('native module missing');
    },
  });
  t.equal(gpio.mode, 'simulated');
  t.equal(gpio.hardwareAvailable, false);
  t.match(gpio.hardware.reason, /rpio/);
});

t.test('a pin that cannot be opened releases the others and reports SMOL_SENSOR_UNAVAILABLE', async (t) => {
  const fake = fakeRpio();
  const open = fake.rpio.open;
  fake.rpio.open = (pin, mode, init) => {
    if (pin === 15) throw new Error('pin 15 is exported in /sys/class/gpio');
    open(pin, mode, init);
  };
  const code = await errorCode(
    createGpio({ pins: PINS, mode: 'hardware', detectHardware: async () => A_PI, loadRpio: async () => fake.rpio }),
  );
  t.equal(code, 'SMOL_SENSOR_UNAVAILABLE');
  t.same(fake.calls.filter((c) => c[0] === 'close').map((c) => c[1]), [11, 13]);
});

t.test('hardware detection', async (t) => {
  const dir = t.testdir({
    pi4: 'Raspberry Pi 4 Model B Rev 1.4\0',
    pi5: 'Raspberry Pi 5 Model B Rev 1.0\0',
    cm5: 'Raspberry Pi Compute Module 5 Rev 1.0\0',
    other: 'Some ARM board\0',
    gpiomem: '',
  });
  const at = (model: string, gpiomem = `${dir}/gpiomem`) => detectPiHardware({ model: `${dir}/${model}`, gpiomem });
  t.same(await at('pi4'), { available: true, model: 'Raspberry Pi 4 Model B Rev 1.4' });
  const pi5 = await at('pi5');
  t.equal(pi5.available, false);
  t.match(pi5.reason, /not supported by rpio/);
  t.equal((await at('cm5')).available, false);
  t.equal((await at('other')).available, false);
  t.equal((await at('missing')).available, false);
  t.match((await at('pi4', `${dir}/no-gpiomem`)).reason, /gpiomem/);
});

t.test('a Pi 5 asked for hardware mode gets SMOL_SENSOR_UNAVAILABLE with the reason', async (t) => {
  const dir = t.testdir({ model: 'Raspberry Pi 5 Model B Rev 1.0\0', gpiomem: '' });
  const detect = () => detectPiHardware({ model: `${dir}/model`, gpiomem: `${dir}/gpiomem` });
  await t.rejects(createGpio({ pins: PINS, mode: 'hardware', detectHardware: detect }), {
    code: 'SMOL_SENSOR_UNAVAILABLE',
    message: /Raspberry Pi 5/,
  });
});

t.test('the installed rpio module loads on demand and has the API the adapter uses', async (t) => {
  const rpio = await loadRpioModule();
  for (const fn of ['init', 'open', 'read', 'write', 'close'] as const) t.type(rpio[fn], 'function', fn);
  t.same([rpio.PULL_OFF, rpio.PULL_DOWN, rpio.PULL_UP, rpio.LOW, rpio.HIGH], [0, 1, 2, 0, 1]);
});
