/**
 * The two lines of a TM1637, by driver. Its protocol is clocked by us, so it needs a driver that
 * sets a line in microseconds: rpio (memory-mapped GPIO on Pis 1–4) does; the gpiod tools start a
 * process per change, far too slow for ~40 clocked bits, so on the character device a TM1637 is
 * not offered (SMOL_DEVICE_UNAVAILABLE). The simulation acknowledges every byte and shows nothing:
 * its writes are journaled with `simulated: true`.
 */
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { loadRpioModule, type RpioLike } from '../../sensors/gpio-hardware.js';
import type { GpioProvider } from '../../sensors/gpio.js';
import type { Tm1637Lines } from './tm1637.js';

/** CLK driven push-pull; DIO open drain: 1 = input with pull-up (released), 0 = driven low. */
export function rpioTm1637Lines(rpio: RpioLike, clk: number, dio: number): Tm1637Lines {
  rpio.open(clk, rpio.OUTPUT, rpio.HIGH);
  rpio.open(dio, rpio.INPUT, rpio.PULL_UP);
  return {
    clk: (v) => rpio.write(clk, v),
    dio: (v) => (v === 1 ? rpio.open(dio, rpio.INPUT, rpio.PULL_UP) : rpio.open(dio, rpio.OUTPUT, rpio.LOW)),
    readDio: () => (rpio.read(dio) ? 1 : 0),
  };
}

/** The labelled simulation: a display that acknowledges everything. */
export function simulatedTm1637Lines(): Tm1637Lines {
  return { clk: () => undefined, dio: () => undefined, readDio: () => 0 };
}

/** Why a TM1637 cannot be driven by this GPIO driver. */
export function noTm1637Lines(driver: string): SmolError {
  return new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `a TM1637 needs a GPIO driver that clocks lines in microseconds (rpio on a Pi 1–4); this node uses ${driver}`, { details: { driver } });
}

/** A TM1637's lines from the node's GPIO driver: rpio clocks them, the simulation acknowledges, the chardev cannot. */
export function tm1637LinesFor(gpio: GpioProvider | undefined, loadRpio: () => Promise<RpioLike> = loadRpioModule) {
  return async (clk: number, dio: number): Promise<{ lines: Tm1637Lines; simulated: boolean }> => {
    if (!gpio || gpio.mode === 'simulated') return { lines: simulatedTm1637Lines(), simulated: true };
    if (gpio.backend !== 'rpio') throw noTm1637Lines(gpio.backend);
    return { lines: rpioTm1637Lines(await loadRpio(), clk, dio), simulated: false };
  };
}
