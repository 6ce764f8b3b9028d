import t from 'tap';
import type { Test } from 'tap';
import { ErrorCodes, SmolError, isSmolError } from '../core/errors.js';
import { loadConfig } from '../adapters/config/load-config.js';
import { gpioPins } from '../adapters/config/sections/sensors-gpio.js';
import { bcmOfHeaderPin, headerPin, headerPinOfBcm } from '../adapters/gpio/header-pins.js';
import { tempDir } from './helpers/temp-dir.js';

function loadPins(cwd: string, pins: string) {
  return loadConfig({ cwd, file: undefined, env: { SMOLLAMA_SENSORS__GPIO__PINS: pins }, flags: {} });
}

async function failure(t: Test, p: Promise<unknown>): Promise<SmolError> {
  try {
    await p;
  } catch (err) {
    if (isSmolError(err)) return err;
    throw err;
  }
  t.fail('expected a SmolError');
  return new SmolError(ErrorCodes.CONFIG_INVALID, '');
}

t.test('the 40-pin header: GPIO pins map to BCM lines and back, power and ground are not GPIO', async (t) => {
  t.equal(bcmOfHeaderPin(11), 17);
  t.equal(bcmOfHeaderPin(12), 18);
  t.equal(bcmOfHeaderPin(40), 21);
  t.equal(headerPinOfBcm(4), 7);
  t.equal(headerPinOfBcm(28), undefined, 'BCM 28 is not on the header');
  t.same(headerPin(1), { kind: 'power', label: '3V3' });
  t.same(headerPin(39), { kind: 'ground', label: 'GND' });
  // Every GPIO header pin round-trips, and 26 + 2 ID pins carry GPIO.
  let gpio = 0;
  for (let pin = 1; pin <= 40; pin++) {
    const bcm = bcmOfHeaderPin(pin);
    if (bcm === undefined) continue;
    gpio += 1;
    t.equal(headerPinOfBcm(bcm), pin, `pin ${pin} round-trips`);
  }
  t.equal(gpio, 28);
});

t.test('a pin by header pin and a pin by BCM line resolve to the same line', async (t) => {
  const config = await loadPins(tempDir(t), '[{name: door, pin: 11, direction: input, pull: up}, {name: relay, line: 27, direction: output}, {name: far, line: 5, chip: gpiochip1, direction: input, debounceMs: 50}]');
  t.same(gpioPins(config.sensors.gpio), [
    { name: 'door', pin: 11, line: 17, direction: 'input', pull: 'up', debounceMs: 20 },
    { name: 'relay', pin: 13, line: 27, direction: 'output', pull: 'off' },
    { name: 'far', line: 5, chip: 'gpiochip1', direction: 'input', pull: 'off', debounceMs: 50 },
  ]);
});

t.test('bad pins are config errors naming the entry and the key', async (t) => {
  const cwd = tempDir(t);
  const power = await failure(t, loadPins(cwd, '[{name: led, pin: 2, direction: output}]'));
  t.equal(power.code, ErrorCodes.CONFIG_INVALID);
  t.match(power.message, 'sensors.gpio.pins.0.pin');
  t.match(power.message, 'pin led: header pin 2 is 5V (power), not a GPIO');
  const ground = await failure(t, loadPins(cwd, '[{name: a, pin: 6, direction: input}]'));
  t.match(ground.message, 'header pin 6 is GND (ground)');
  const both = await failure(t, loadPins(cwd, '[{name: a, pin: 11, line: 17, direction: input}]'));
  t.match(both.message, 'sensors.gpio.pins.0.line');
  t.match(both.message, 'pin a: give exactly one of pin (header pin) or line (BCM line number)');
  const neither = await failure(t, loadPins(cwd, '[{name: a, direction: input}]'));
  t.match(neither.message, 'sensors.gpio.pins.0.pin');
  const same = await failure(t, loadPins(cwd, '[{name: a, pin: 11, direction: input}, {name: b, line: 17, direction: input}]'));
  t.match(same.message, 'sensors.gpio.pins.1.line');
  t.match(same.message, 'duplicate line (also pins.0), GPIO line 17');
  const chip = await failure(t, loadPins(cwd, '[{name: a, line: 3, chip: "bad chip", direction: input}]'));
  t.match(chip.message, 'sensors.gpio.pins.0.chip');
  const debounce = await failure(t, loadPins(cwd, '[{name: a, pin: 11, direction: input, debounceMs: -1}]'));
  t.match(debounce.message, 'sensors.gpio.pins.0.debounceMs');
});

t.test('the same line on two chips is two pins', async (t) => {
  const config = await loadPins(tempDir(t), '[{name: a, line: 3, direction: input}, {name: b, line: 3, chip: gpiochip1, direction: input}]');
  t.equal(gpioPins(config.sensors.gpio).length, 2);
});
