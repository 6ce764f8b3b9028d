import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { PinConfig } from '../core/sensors/sensor-port.js';
import { createGpio } from '../adapters/sensors/gpio.js';
import { detectGpioFacts, planBackends } from '../adapters/gpio/select-backend.js';
import { pickChip } from '../adapters/gpio/line-port.js';
import { getArgs, monArgs, parseGetOutput, parseGpiodVersion, parseGpiodetect, parseMonLine, setArgs } from '../adapters/gpio/gpiod-dialect.js';
import { FakeGpioChips } from './helpers/fake-gpio-chip.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const PINS: PinConfig[] = [
  { name: 'door', pin: 11, line: 17, direction: 'input', pull: 'up', debounceMs: 20 },
  { name: 'button', line: 22, direction: 'input', pull: 'off', debounceMs: 0 },
  { name: 'relay', pin: 16, direction: 'output', pull: 'off' },
];
const PI5 = { rpio: { available: false, model: 'Raspberry Pi 5 Model B Rev 1.0', reason: 'not supported by rpio' }, chips: ['gpiochip0', 'gpiochip10'], dev: '/dev' };

async function chardevGpio(chips: FakeGpioChips, pins = PINS) {
  return createGpio({ pins, mode: 'auto', detect: async () => PI5, openLines: async () => chips });
}

t.test('on a Pi 5, auto opens the chardev on pinctrl-rp1 and requests inputs with bias and outputs LOW', async (t) => {
  const chips = new FakeGpioChips([
    { name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 },
    { name: 'gpiochip10', label: 'gpio-brcmstb@107d508500', lines: 32 },
  ]);
  chips.levels.set('gpiochip0:17', 1);
  const gpio = await chardevGpio(chips);
  t.teardown(() => gpio.close());
  t.equal(gpio.mode, 'hardware');
  t.equal(gpio.backend, 'chardev');
  t.match(gpio.backendReason, 'chardev on gpiochip0 [pinctrl-rp1] through fake chips');
  t.same(chips.requests.slice(0, 2), [
    { kind: 'input', request: { chip: 'gpiochip0', consumer: 'smollama', lines: [{ offset: 17, bias: 'pull-up' }, { offset: 22, bias: 'disabled' }] } },
    { kind: 'output', request: { chip: 'gpiochip0', consumer: 'smollama', values: new Map([[23, 0]]) } },
  ]);
  t.same(await gpio.sample(), { 'gpio.door': 1, 'gpio.button': 0, 'gpio.relay': 0 }, 'levels read when the watch began');
  await gpio.write('relay', 1);
  t.same(chips.requests.at(-1), { kind: 'set', chip: 'gpiochip0', values: { 23: 1 } });
  t.equal(await gpio.read('relay'), 1);
});

t.test('an edge is pushed at once, debounced, and the level follows it', async (t) => {
  const chips = new FakeGpioChips();
  const gpio = await chardevGpio(chips);
  t.teardown(() => gpio.close());
  const pushed: Record<string, number>[] = [];
  gpio.attach(async (values) => void pushed.push(values));
  t.ok(chips.edge('gpiochip0', 17, 1), 'the door line is requested for edges');
  chips.edge('gpiochip0', 17, 0);
  chips.edge('gpiochip0', 17, 1); // bounces within 20 ms
  t.same(pushed, [{ 'gpio.door': 1 }], 'one edge for a bouncing contact');
  t.equal(await gpio.read('door'), 1);
  chips.edge('gpiochip0', 22, 1);
  chips.edge('gpiochip0', 22, 0);
  t.same(pushed.slice(1), [{ 'gpio.button': 1 }, { 'gpio.button': 0 }], 'debounceMs 0 passes every change');
  t.notOk(chips.edge('gpiochip0', 23, 1), 'an output has no edge detection');
});

t.test('a bounce that settles on the other level is reported at the window end', async (t) => {
  const chips = new FakeGpioChips();
  const gpio = await chardevGpio(chips, [{ name: 'door', line: 17, direction: 'input', pull: 'up', debounceMs: 5 }]);
  t.teardown(() => gpio.close());
  const pushed: Record<string, number>[] = [];
  gpio.attach(async (values) => void pushed.push(values));
  chips.edge('gpiochip0', 17, 1);
  chips.edge('gpiochip0', 17, 0);
  await waitFor(() => pushed.length === 2, { timeoutMs: 2000, message: 'the settled level' });
  t.same(pushed, [{ 'gpio.door': 1 }, { 'gpio.door': 0 }]);
});

t.test('close releases every line; a missing chip or line names the pin', async (t) => {
  const chips = new FakeGpioChips();
  const gpio = await chardevGpio(chips);
  await gpio.close();
  t.notOk(chips.isHeld('gpiochip0', 17));
  t.notOk(chips.isHeld('gpiochip0', 23));
  const noChip = createGpio({ pins: [{ name: 'x', line: 3, chip: 'pinctrl-nope', direction: 'input', pull: 'off' }], mode: 'hardware', backend: 'chardev', detect: async () => PI5, openLines: async () => new FakeGpioChips() });
  await t.rejects(noChip, { code: 'SMOL_SENSOR_UNAVAILABLE', message: /GPIO pin x: no chip pinctrl-nope \(this machine has gpiochip0 \[pinctrl-rp1\]\)/ });
  const small = new FakeGpioChips([{ name: 'gpiochip0', label: 'pinctrl-bcm2835', lines: 8 }]);
  await t.rejects(createGpio({ pins: [{ name: 'y', line: 17, direction: 'input', pull: 'off' }], mode: 'hardware', detect: async () => PI5, openLines: async () => small }), /line 17 is not on gpiochip0/);
  t.notOk(small.isHeld('gpiochip0', 17));
});

t.test('a busy line fails the request, releases what was taken, and auto falls back to the simulation', async (t) => {
  const chips = new FakeGpioChips();
  await chips.holdOutputs({ chip: 'gpiochip0', consumer: 'other', values: new Map([[23, 1]]) });
  const gpio = await chardevGpio(chips);
  t.teardown(() => gpio.close());
  t.equal(gpio.mode, 'simulated');
  t.equal(gpio.backend, 'simulation');
  t.match(gpio.backendReason, /chardev: GPIO chardev: the lines could not be requested: line 23 of gpiochip0 is busy/);
  t.notOk(chips.isHeld('gpiochip0', 17), 'the inputs requested before the failure were released');
});

t.test('the chip auto picks: the header chip by label wherever it is numbered, never another', async (t) => {
  const old = [{ name: 'gpiochip0', label: 'gpio-brcmstb@107d508500', lines: 32 }, { name: 'gpiochip4', label: 'pinctrl-rp1', lines: 54 }];
  t.equal(pickChip(old, 'auto')?.name, 'gpiochip4', 'Pi 5 before kernel 6.6.45');
  t.equal(pickChip([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }, { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', lines: 8 }], 'auto')?.name, 'gpiochip0');
  t.equal(pickChip([{ name: 'gpiochip0', label: 'INT34C6:00', lines: 360 }], 'auto'), undefined, "a laptop's pinctrl is never picked by itself");
  t.equal(pickChip([{ name: 'gpiochip0', label: 'INT34C6:00', lines: 360 }], 'gpiochip0')?.label, 'INT34C6:00', 'but can be named');
  t.equal(pickChip(old, 'pinctrl-rp1')?.name, 'gpiochip4', 'by label');
  t.equal(pickChip(old, 'gpiochip0')?.label, 'gpio-brcmstb@107d508500', 'by name');
});

t.test('auto mode from a fake /dev tree: rpio on a Pi 4, chardev on a Pi 5, the simulation on a laptop', async (t) => {
  const root = tempDir(t);
  const tree = (name: string, model: string | undefined, devs: string[]) => {
    const dir = join(root, name);
    mkdirSync(join(dir, 'dev'), { recursive: true });
    for (const d of devs) writeFileSync(join(dir, 'dev', d), '');
    if (model !== undefined) writeFileSync(join(dir, 'model'), `${model}\0`);
    return detectGpioFacts({ dev: join(dir, 'dev'), model: join(dir, 'model') });
  };
  const pi4 = await tree('pi4', 'Raspberry Pi 4 Model B Rev 1.4', ['gpiomem', 'gpiochip0', 'gpiochip1']);
  t.same(planBackends('auto', pi4).order, ['rpio', 'chardev'], 'rpio first where it works, chardev if rpio fails');
  t.same(planBackends('chardev', pi4).order, ['chardev']);
  const pi5 = await tree('pi5', 'Raspberry Pi 5 Model B Rev 1.0', ['gpiochip0', 'gpiochip10', 'gpiochip11', 'gpiomem0']);
  t.same(pi5.chips, ['gpiochip0', 'gpiochip10', 'gpiochip11']);
  const plan5 = planBackends('auto', pi5);
  t.same(plan5.order, ['chardev']);
  t.match(plan5.skipped[0], /^rpio: Raspberry Pi 5 .* not supported by rpio/);
  const laptop = await tree('laptop', undefined, ['null', 'tty0']);
  const planL = planBackends('auto', laptop);
  t.same(planL.order, []);
  t.match(planL.skipped.join('; '), /chardev: no .*\/gpiochip\*/);
  const gpio = await createGpio({ pins: PINS, mode: 'auto', detect: async () => laptop });
  t.teardown(() => gpio.close());
  t.equal(gpio.backend, 'simulation');
  t.match(gpio.backendReason, /^no GPIO hardware \(rpio: .*; chardev: no /);
  t.equal(gpio.sources()[0]?.simulated, true);
});

t.test('the simulation injects edges (and reports its bucket changes as edges when asked)', async (t) => {
  const gpio = await createGpio({ pins: PINS, mode: 'simulated', seed: 3, debounceMs: 0 });
  t.teardown(() => gpio.close());
  const pushed: Record<string, number>[] = [];
  gpio.attach(async (values) => void pushed.push(values));
  const before = await gpio.read('door');
  gpio.simulateEdge('door', before === 1 ? 0 : 1);
  t.same(pushed, [{ 'gpio.door': before === 1 ? 0 : 1 }]);
  t.equal(await gpio.read('door'), before === 1 ? 0 : 1, 'the injected level holds');
  t.throws(() => gpio.simulateEdge('nope', 1), { code: 'SMOL_GPIO_PIN_UNKNOWN' });
  t.throws(() => gpio.simulateEdge('relay', 1), TypeError);
  let now = 0;
  const ticking = await createGpio({ pins: [{ name: 'a', line: 4, direction: 'input', pull: 'off', debounceMs: 0 }], mode: 'simulated', seed: 1, periodMs: 5, simulateEdges: true, now: () => (now += 1) });
  t.teardown(() => ticking.close());
  const edges: Record<string, number>[] = [];
  ticking.attach(async (values) => void edges.push(values));
  await waitFor(() => edges.length >= 2, { timeoutMs: 5000, message: 'simulated bucket edges' });
  t.not(edges[0]!['gpio.a'], edges[1]!['gpio.a'], 'edges alternate');
});

t.test('gpiod tools, both dialects: arguments and outputs', async (t) => {
  t.same(parseGpiodVersion('gpiodetect (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski'), { major: 1, version: '1.6.3' });
  t.same(parseGpiodVersion('gpiodetect (libgpiod) v2.1.3\n'), { major: 2, version: '2.1.3' });
  t.equal(parseGpiodVersion('something else'), undefined);
  t.same(parseGpiodetect('gpiochip0 [pinctrl-rp1] (54 lines)\ngpiochip10 [gpio-brcmstb@107d508500] (32 lines)\n'), [
    { name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 },
    { name: 'gpiochip10', label: 'gpio-brcmstb@107d508500', lines: 32 },
  ]);
  t.same(getArgs(1, 'gpiochip0', 'pull-up', [17, 22], 'smollama'), ['--bias=pull-up', 'gpiochip0', '17', '22']);
  t.same(getArgs(2, 'gpiochip0', 'disabled', [17], 'smollama'), ['-c', 'gpiochip0', '-C', 'smollama', '--bias=disabled', '17']);
  t.same(getArgs(1, 'gpiochip0', 'disabled', [17], 'smollama'), ['--bias=disable', 'gpiochip0', '17']);
  t.same([...parseGetOutput('1 0\n', [17, 22])], [[17, 1], [22, 0]]);
  t.same([...parseGetOutput('"17"=active "22"=inactive\n', [17, 22])], [[17, 1], [22, 0]]);
  t.throws(() => parseGetOutput('1\n', [17, 22]));
  t.same(monArgs(1, 'gpiochip4', 'pull-down', [5], 'smollama'), ['--line-buffered', '--bias=pull-down', '--format=%o %e %s.%n', 'gpiochip4', '5']);
  t.same(monArgs(2, 'gpiochip0', 'as-is', [5], 'smollama'), ['-c', 'gpiochip0', '-C', 'smollama', '-e', 'both', '--format=%o %e %S', '5']);
  t.same(parseMonLine(1, '17 1 1733092000.123456789'), { offset: 17, level: 1 });
  t.same(parseMonLine(1, '17 0 1733092000.123456789'), { offset: 17, level: 0 });
  t.same(parseMonLine(2, '17 2 12.000000001'), { offset: 17, level: 0 });
  t.same(parseMonLine(2, '17 1 12.000000001'), { offset: 17, level: 1 });
  t.equal(parseMonLine(2, '17 0 12.0'), undefined, 'v2 has no type 0');
  t.equal(parseMonLine(2, "Monitoring line '17'..."), undefined);
  t.same(setArgs(1, 'gpiochip0', new Map([[23, 1], [18, 0]]), 'smollama'), ['--mode=signal', 'gpiochip0', '18=0', '23=1']);
  t.same(setArgs(2, 'gpiochip0', new Map([[23, 1]]), 'smollama'), ['-c', 'gpiochip0', '-C', 'smollama', '23=1']);
});
