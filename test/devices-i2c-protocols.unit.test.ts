import t from 'tap';
import { ErrorCodes } from '../core/errors.js';
import { Pcf8574Lcd } from '../adapters/devices/i2c/lcd-pcf8574.js';
import { readBh1750, readSht31 } from '../adapters/devices/i2c/i2c-sensors.js';
import { sensirionCrc } from '../adapters/devices/i2c/sensirion-crc.js';
import { Tm1637, formatForDigits, segmentsFor } from '../adapters/devices/outputs/tm1637.js';
import { FakeBh1750, FakeI2cBus, FakeLcd, FakeSht31, FakeTm1637 } from './helpers/fake-i2c-chips.js';

const delays: number[] = [];
const delay = async (ms: number) => void delays.push(ms);

t.test('the LCD is initialised by the HD44780 4-bit sequence over the PCF8574, then shows two lines', async (t) => {
  const bus = new FakeI2cBus();
  const lcd = new FakeLcd();
  bus.chips.set(0x27, lcd);
  delays.length = 0;
  const driver = new Pcf8574Lcd(bus, { address: 0x27, columns: 16, rows: 2, delay });
  await driver.write('Hello, Pi 5\nT 21.5 C');
  t.same(lcd.log.slice(0, 4), ['8bit:3', '8bit:3', '8bit:3', '8bit:2'], '0x3 three times, then 0x2 switches to 4-bit');
  t.same(lcd.log.slice(4, 8), ['cmd:28', 'cmd:0c', 'cmd:01', 'cmd:06'], 'function set, display on, clear, entry mode');
  t.ok(delays[0]! >= 40 && delays[1]! >= 4.1 && delays[2]! >= 0.1, 'waits of at least 40 ms, 4.1 ms and 100 µs');
  t.equal(lcd.mode, '4-bit');
  t.equal(lcd.row(0), 'Hello, Pi 5     ');
  t.equal(lcd.row(1), 'T 21.5 C        ');
  t.ok(lcd.backlight, 'backlight on');
  await driver.write('Second');
  t.equal(lcd.log.filter((l) => l.startsWith('8bit')).length, 4, 'initialised once');
  t.equal(lcd.row(0), 'Second          ');
  t.equal(lcd.row(1), ' '.repeat(16), 'a line not given is cleared');
});

t.test('a 2004 LCD uses the four row addresses; text is cut to the width; non-ASCII becomes ?', async (t) => {
  const bus = new FakeI2cBus();
  const lcd = new FakeLcd();
  bus.chips.set(0x3f, lcd);
  const driver = new Pcf8574Lcd(bus, { address: 0x3f, columns: 20, rows: 4, delay });
  await driver.write('a\nb\nc\n23 °C and a line longer than twenty');
  t.equal(lcd.row(2, 20).trim(), 'c');
  t.equal(lcd.row(3, 20), '23 ?C and a line lon');
});

t.test('an LCD backpack that does not acknowledge is SMOL_I2C_NO_ACK', async (t) => {
  const driver = new Pcf8574Lcd(new FakeI2cBus(), { address: 0x27, columns: 16, rows: 2, delay });
  await t.rejects(driver.write('x'), { code: ErrorCodes.I2C_NO_ACK });
});

t.test('BH1750: power on, one-time high resolution, then lux = raw / 1.2', async (t) => {
  const bus = new FakeI2cBus();
  bus.chips.set(0x23, new FakeBh1750(600));
  t.equal(await readBh1750(bus, 0x23, delay), 500);
  bus.silent.add(0x23);
  await t.rejects(readBh1750(bus, 0x23, delay), { code: ErrorCodes.I2C_NO_ACK }, 'a chip that stops acknowledging');
});

t.test('SHT31: single shot, CRC-checked words; a corrupted answer is refused', async (t) => {
  t.equal(sensirionCrc([0xbe, 0xef]), 0x92, 'the datasheet example: CRC(0xBEEF) = 0x92');
  const bus = new FakeI2cBus();
  const chip = new FakeSht31(21.5, 40);
  bus.chips.set(0x44, chip);
  const v = await readSht31(bus, 0x44, delay);
  t.ok(Math.abs(v.temperature - 21.5) < 0.01 && Math.abs(v.humidity - 40) < 0.01, `read ${JSON.stringify(v)}`);
  chip.corrupt = true;
  await t.rejects(readSht31(bus, 0x44, delay), { code: ErrorCodes.DEVICE_READ_FAILED });
  t.ok((await readSht31(bus, 0x44, delay)).temperature > 21, 'the next read is good again');
});

t.test('TM1637: data command, address 0 with four segment bytes, display control, each with start/ACK/stop', async (t) => {
  const chip = new FakeTm1637();
  await new Tm1637(chip, 7).show('12:34');
  t.same(chip.commands, [[0x40], [0xc0, 0x06, 0x5b | 0x80, 0x4f, 0x66], [0x8f]]);
  chip.commands.length = 0;
  await new Tm1637(chip, 2).show(formatForDigits(-3.5));
  t.same(chip.commands[1], [0xc0, 0x40, 0x4f | 0x80, 0x6d, 0x3f], '-3.50: minus, 3 with its dot, 5, 0');
  t.same(chip.commands[2], [0x8a]);
  chip.absent = true;
  await t.rejects(new Tm1637(chip).show('1'), { code: ErrorCodes.I2C_NO_ACK }, 'no ACK: the display is not connected');
});

t.test('7-segment formatting: right-aligned, dots join the digit before, what does not fit is refused', async (t) => {
  t.same(segmentsFor('7'), [0, 0, 0, 0x07]);
  t.same(segmentsFor('1.5'), [0, 0, 0x06 | 0x80, 0x6d]);
  t.equal(formatForDigits(42), '42');
  t.equal(formatForDigits(3.14159), '3.142');
  t.equal(formatForDigits(123.456), '123.5');
  t.throws(() => formatForDigits(123456), { code: ErrorCodes.OUTPUT_NOT_ALLOWED });
  t.throws(() => segmentsFor('hello!'), { code: ErrorCodes.OUTPUT_NOT_ALLOWED });
  t.throws(() => formatForDigits(Number.NaN), { code: ErrorCodes.OUTPUT_NOT_ALLOWED });
});
