import t from 'tap';
import { createGpio, type RpioLike } from '../adapters/sensors/gpio.js';
import { FakeGpioChips } from './helpers/fake-gpio-chip.js';

const PI4 = { rpio: { available: true, model: 'Raspberry Pi 4 Model B Rev 1.4' }, chips: ['gpiochip0'], dev: '/dev' };

/** A fake rpio with edge detection: `fire(pin)` is the SoC's event register firing for a physical pin. */
function pollingRpio() {
  const levels = new Map<number, number>();
  const polls = new Map<number, (pin: number) => void>();
  const opened: number[] = [];
  const rpio: RpioLike = {
    INPUT: 0, OUTPUT: 1, LOW: 0, HIGH: 1, PULL_OFF: 0, PULL_DOWN: 1, PULL_UP: 2, POLL_BOTH: 3,
    init: () => undefined,
    open: (pin) => void opened.push(pin),
    read: (pin) => levels.get(pin) ?? 0,
    write: (pin, value) => void levels.set(pin, value),
    close: () => undefined,
    poll: (pin, cb) => void (cb ? polls.set(pin, cb) : polls.delete(pin)),
  };
  const fire = (pin: number, level: number) => {
    levels.set(pin, level);
    polls.get(pin)?.(pin);
  };
  return { rpio, fire, polls, opened };
}

t.test('on a Pi 4 rpio reports edges too (its poll), a pin given by BCM line opens its header pin', async (t) => {
  const fake = pollingRpio();
  const gpio = await createGpio({ pins: [{ name: 'door', line: 17, direction: 'input', pull: 'up', debounceMs: 0 }, { name: 'led', pin: 12, direction: 'output', pull: 'off' }], mode: 'auto', detect: async () => PI4, loadRpio: async () => fake.rpio });
  t.teardown(() => gpio.close());
  t.equal(gpio.backend, 'rpio');
  t.match(gpio.backendReason, 'rpio on Raspberry Pi 4 Model B Rev 1.4');
  t.same(fake.opened, [11, 12], 'BCM 17 is header pin 11');
  const pushed: Record<string, number>[] = [];
  gpio.attach(async (values) => void pushed.push(values));
  fake.fire(11, 1);
  t.same(pushed, [{ 'gpio.door': 1 }]);
  await gpio.close();
  t.equal(fake.polls.size, 0, 'close stops the edge detection');
});

t.test('rpio cannot drive a line off the header: auto falls through to the chardev', async (t) => {
  const fake = pollingRpio();
  const chips = new FakeGpioChips([{ name: 'gpiochip0', label: 'pinctrl-bcm2711', lines: 58 }]);
  const gpio = await createGpio({ pins: [{ name: 'deep', line: 40, direction: 'input', pull: 'off' }], mode: 'auto', detect: async () => PI4, loadRpio: async () => fake.rpio, openLines: async () => chips });
  t.teardown(() => gpio.close());
  t.equal(gpio.backend, 'chardev');
  t.ok(chips.isHeld('gpiochip0', 40));
});

t.test("a laptop with a gpiochip: auto never drives its pinctrl by itself and simulates", async (t) => {
  const laptop = { rpio: { available: false, reason: 'no /proc/device-tree/model: not a Raspberry Pi' }, chips: ['gpiochip0'], dev: '/dev' };
  const chips = new FakeGpioChips([{ name: 'gpiochip0', label: 'INT34C6:00', lines: 360 }]);
  const gpio = await createGpio({ pins: [{ name: 'led', pin: 12, direction: 'output', pull: 'off' }], mode: 'auto', detect: async () => laptop, openLines: async () => chips });
  t.teardown(() => gpio.close());
  t.equal(gpio.backend, 'simulation');
  t.match(gpio.backendReason, /no Raspberry Pi header chip/);
  t.notOk(chips.isHeld('gpiochip0', 18), 'line 18 of the laptop was never requested');
});
