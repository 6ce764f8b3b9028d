import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openLevelJournal } from '../core/journal/open-journal.js';
import { createGpio } from '../adapters/sensors/gpio.js';
import { createOutputs } from '../adapters/devices/outputs/outputs.js';
import { SysfsPwm } from '../adapters/devices/outputs/pwm-sysfs.js';
import { tm1637LinesFor } from '../adapters/devices/outputs/tm1637-lines.js';
import { Tm1637 } from '../adapters/devices/outputs/tm1637.js';
import type { GpioProvider } from '../adapters/sensors/gpio.js';
import { outputsSection, type OutputConfig } from '../adapters/config/sections/outputs.js';
import { outputTools } from '../core/tools/output-tools.js';
import type { Tool } from '../core/tools/tool.js';
import { ErrorCodes, SmolError } from '../core/errors.js';
import type { JournalEntry } from '../core/events/event.js';
import { FakeSysfs } from './helpers/fake-sysfs.js';
import { FakeI2cBus, FakeLcd, FakeTm1637 } from './helpers/fake-i2c-chips.js';
import { tempDir } from './helpers/temp-dir.js';

const outputs = (list: unknown[]): OutputConfig[] => outputsSection.parse(list);

async function world(t: Test, list: unknown[], fault?: () => SmolError | undefined) {
  const dir = tempDir(t);
  const journal = await openLevelJournal(join(dir, 'journal'));
  t.teardown(() => journal.close());
  const sys = new FakeSysfs(join(dir, 'sys'));
  const bus = new FakeI2cBus();
  const lcd = new FakeLcd();
  bus.chips.set(0x27, lcd);
  const tm = new FakeTm1637();
  const gpio = await createGpio({ pins: [{ name: 'relay', pin: 12, direction: 'output', pull: 'off' }, { name: 'button', pin: 11, direction: 'input', pull: 'up' }], mode: 'simulated' });
  const port = createOutputs(outputs(list), {
    journal,
    gpio,
    sysRoot: sys.root,
    i2cBus: async () => bus,
    lines: async () => ({ lines: tm, simulated: false }),
    delay: async () => undefined,
    assertWritable: () => {
      const e = fault?.();
      if (e) throw e;
    },
  });
  const written = async () => {
    const out: JournalEntry[] = [];
    for await (const e of journal.read({ types: ['output.written'] })) out.push(e);
    return out.map((e) => e.event.data);
  };
  return { journal, sys, bus, lcd, tm, gpio, port, written };
}

t.test('a relay on GPIO, a PWM fan, an LCD and a TM1637 are driven and each write is journaled as output.written', async (t) => {
  const w = await world(t, [
    { name: 'pump', platform: 'gpio', pin: 'relay' },
    { name: 'fan', platform: 'pwm', chip: 0, channel: 0, frequencyHz: 25_000, maxDuty: 0.8 },
    { name: 'screen', platform: 'lcd' },
    { name: 'clock', platform: 'tm1637', clk: 23, dio: 24 },
  ]);
  const chip = w.sys.pwmChip(0);
  w.sys.exportPwm(0, 0); // exported before (the export path itself is tested below)
  await w.port.write('pump', 1);
  t.equal(await w.gpio.read('relay'), 1);
  await w.port.write('fan', 0.5);
  t.equal(readFileSync(join(chip, 'pwm0', 'period'), 'utf8'), '40000\n', '25 kHz is a 40,000 ns period');
  t.equal(readFileSync(join(chip, 'pwm0', 'duty_cycle'), 'utf8'), '20000\n');
  t.equal(readFileSync(join(chip, 'pwm0', 'enable'), 'utf8'), '1\n');
  await w.port.write('screen', 'Hello\nworld');
  t.equal(w.lcd.row(0).trim(), 'Hello');
  await w.port.write('clock', 21.5);
  t.same(w.tm.commands[1], [0xc0, 0x5b, 0x06 | 0x80, 0x6d, 0x3f], '21.50 on the display: 2, 1 with its dot, 5, 0');
  t.same(await w.written(), [
    { output: 'pump', kind: 'switch', platform: 'gpio', value: 1, simulated: true },
    { output: 'fan', kind: 'pwm', platform: 'pwm', value: 0.5, simulated: false },
    { output: 'screen', kind: 'text', platform: 'lcd', value: 'Hello\nworld', simulated: false },
    { output: 'clock', kind: 'number', platform: 'tm1637', value: '21.50', simulated: false },
  ]);
  t.same(
    w.port.list().map((o) => [o.name, o.kind, o.value]),
    [
      ['pump', 'switch', 1],
      ['fan', 'pwm', 0.5],
      ['screen', 'text', 'Hello\nworld'],
      ['clock', 'number', '21.50'],
    ],
  );
});

t.test('what the allowlist does not permit is refused with a code, drives nothing and journals nothing', async (t) => {
  const w = await world(t, [
    { name: 'fan', platform: 'pwm', maxDuty: 0.5 },
    { name: 'clock', platform: 'tm1637', clk: 23, dio: 24 },
    { name: 'pump', platform: 'gpio', pin: 'relay' },
  ]);
  w.sys.pwmChip(0);
  w.sys.exportPwm(0, 0);
  await t.rejects(w.port.write('heater', 1), { code: ErrorCodes.OUTPUT_UNKNOWN });
  await t.rejects(w.port.write('fan', 0.9), { code: ErrorCodes.OUTPUT_NOT_ALLOWED }, 'above maxDuty');
  await t.rejects(w.port.write('pump', 2), { code: ErrorCodes.OUTPUT_NOT_ALLOWED });
  await t.rejects(w.port.write('clock', 123456), { code: ErrorCodes.OUTPUT_NOT_ALLOWED }, 'does not fit on four digits');
  t.same(w.tm.commands, [], 'nothing was sent to the display');
  t.same(await w.written(), []);
});

t.test('an output is not driven when the journal cannot record it (disk full)', async (t) => {
  let full = true;
  const w = await world(t, [{ name: 'pump', platform: 'gpio', pin: 'relay' }], () => (full ? new SmolError(ErrorCodes.DISK_FULL, 'no space') : undefined));
  await t.rejects(w.port.write('pump', 1), { code: ErrorCodes.DISK_FULL });
  t.equal(await w.gpio.read('relay'), 0, 'the relay did not switch');
  full = false;
  await w.port.write('pump', 1);
  t.equal((await w.written()).length, 1);
});

t.test('an LCD that does not acknowledge and a missing PWM chip are coded errors, and nothing is journaled', async (t) => {
  const w = await world(t, [
    { name: 'screen', platform: 'lcd', address: 0x3f },
    { name: 'fan', platform: 'pwm', chip: 3 },
  ]);
  await t.rejects(w.port.write('screen', 'x'), { code: ErrorCodes.I2C_NO_ACK });
  await t.rejects(w.port.write('fan', 0.2), { code: ErrorCodes.DEVICE_UNAVAILABLE });
  t.same(await w.written(), []);
});

t.test('PWM: a channel not yet exported is exported, the period is written before the duty, 0 disables', async (t) => {
  const sys = new FakeSysfs(tempDir(t));
  const chip = sys.pwmChip(0);
  const pwm = new SysfsPwm({
    sysRoot: sys.root,
    chip: 0,
    channel: 1,
    frequencyHz: 1000,
    waitForExport: async () => {
      t.equal(readFileSync(join(chip, 'export'), 'utf8'), '1\n', 'the channel number was written to export');
      sys.exportPwm(0, 1); // what the kernel does
      return true;
    },
  });
  await pwm.set(0.25);
  t.equal(readFileSync(join(chip, 'pwm1', 'period'), 'utf8'), '1000000\n');
  t.equal(readFileSync(join(chip, 'pwm1', 'duty_cycle'), 'utf8'), '250000\n');
  await pwm.set(0);
  t.equal(readFileSync(join(chip, 'pwm1', 'enable'), 'utf8'), '0\n');
});

t.test('the agent sees only outputs with agent: true, and each tool drives only its kind', async (t) => {
  const w = await world(t, [
    { name: 'pump', platform: 'gpio', pin: 'relay', agent: false },
    { name: 'screen', platform: 'lcd' },
    { name: 'clock', platform: 'tm1637', clk: 23, dio: 24 },
  ]);
  const tools = new Map<string, Tool<any>>(outputTools(w.port).map((tool) => [tool.name, tool]));
  const ctx = { caller: { kind: 'agent' as const }, registers: new Map() };
  t.same(((await tools.get('output_list')!.execute({}, ctx)) as { outputs: { name: string }[] }).outputs.map((o) => o.name), ['screen', 'clock']);
  await t.rejects(tools.get('set_output')!.execute({ output: 'pump', value: 1 }, ctx), { code: ErrorCodes.OUTPUT_UNKNOWN }, 'agent: false is not the agent’s');
  await t.rejects(tools.get('set_output')!.execute({ output: 'screen', value: 1 }, ctx), { code: ErrorCodes.OUTPUT_NOT_ALLOWED });
  await tools.get('display_text')!.execute({ output: 'screen', text: 'Door open' }, ctx);
  await tools.get('display_number')!.execute({ output: 'clock', value: 7 }, ctx);
  t.equal(w.lcd.row(0).trim(), 'Door open');
  t.same((await w.written()).map((d) => (d as { output: string }).output), ['screen', 'clock']);
});

t.test('output config errors name the entry and key', async (t) => {
  const bad = outputsSection.safeParse([{ name: 'a', platform: 'lcd' }, { name: 'a', platform: 'pwm' }, { name: 'b', platform: 'tm1637', clk: 3, dio: 3 }, { name: 'c', platform: 'laser' }]);
  t.notOk(bad.success);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  t.ok(paths.includes('2.dio'), `clk = dio names outputs.2.dio (${paths.join(', ')})`);
  t.ok(paths.includes('3.platform'), 'an unknown platform names outputs.3.platform');
  t.throws(
    () =>
      createOutputs(outputs([{ name: 'x', platform: 'gpio', pin: 'button' }]), {
        journal: undefined as never,
        gpio: { list: () => [{ name: 'button', pin: 11, direction: 'input', pull: 'up', value: 0, simulated: true }], mode: 'simulated' } as never,
        sysRoot: '/sys',
        i2cBus: async () => new FakeI2cBus(),
        delay: async () => undefined,
        assertWritable: () => undefined,
      }),
    { code: ErrorCodes.CONFIG_INVALID },
  );
});

t.test('two writes to one LCD at once are carried out one after the other, never interleaved', async (t) => {
  const w = await world(t, [{ name: 'screen', platform: 'lcd' }]);
  await Promise.all([w.port.write('screen', 'first line'), w.port.write('screen', 'second one')]);
  t.equal(w.lcd.row(0).trim(), 'second one', 'the display shows the later write whole');
  t.same((await w.written()).map((d) => (d as { value: string }).value), ['first line', 'second one']);
});

t.test('a TM1637: rpio clocks its lines (open-drain DIO), the simulation is journaled as simulated, the chardev driver refuses', async (t) => {
  const chip = new FakeTm1637();
  const CLK = 16;
  const DIO = 18;
  const rpio = {
    INPUT: 0, OUTPUT: 1, LOW: 0, HIGH: 1, PULL_OFF: 0, PULL_UP: 2, PULL_DOWN: 1,
    init: () => undefined,
    close: () => undefined,
    open: (pin: number, mode: number, init?: number) => {
      if (pin === CLK && mode === 1) chip.clk((init ?? 0) as 0 | 1);
      if (pin === DIO) chip.dio(mode === 0 ? 1 : 0); // input with pull-up releases; output drives low
    },
    write: (pin: number, v: number) => (pin === CLK ? chip.clk(v as 0 | 1) : undefined),
    read: (pin: number) => (pin === DIO ? chip.readDio() : 0),
  };
  const hardware = { mode: 'hardware', backend: 'rpio' } as unknown as GpioProvider;
  const opened = await tm1637LinesFor(hardware, async () => rpio)(CLK, DIO);
  t.equal(opened.simulated, false);
  await new Tm1637(opened.lines, 3).show('42');
  t.same(chip.commands, [[0x40], [0xc0, 0, 0, 0x66, 0x5b], [0x8b]], 'the chip decoded the three commands');

  const sim = await tm1637LinesFor({ mode: 'simulated', backend: 'simulation' } as unknown as GpioProvider)(CLK, DIO);
  t.equal(sim.simulated, true);
  await t.rejects(tm1637LinesFor({ mode: 'hardware', backend: 'chardev' } as unknown as GpioProvider)(CLK, DIO), { code: ErrorCodes.DEVICE_UNAVAILABLE });

  const w = await world(t, [{ name: 'clock', platform: 'tm1637', clk: CLK, dio: DIO }]);
  const port = createOutputs(outputs([{ name: 'clock', platform: 'tm1637', clk: CLK, dio: DIO }]), {
    journal: w.journal, gpio: w.gpio, sysRoot: w.sys.root, i2cBus: async () => w.bus, delay: async () => undefined, assertWritable: () => undefined,
    lines: tm1637LinesFor(w.gpio as GpioProvider),
  });
  await port.write('clock', 12);
  t.match((await w.written()).at(-1), { output: 'clock', value: '12', simulated: true });
});
