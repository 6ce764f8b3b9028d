/**
 * The node's open I2C buses, shared by every device and output on a bus (one file descriptor per
 * /dev/i2c-N), opened on first use and closed at stop.
 */
import type { I2cBus } from '../../../core/devices/i2c-port.js';
import { openI2cDevBus } from '../i2c/i2c-dev-bus.js';

export interface I2cBuses {
  get(bus: number): Promise<I2cBus>;
  close(): Promise<void>;
}

/** Opens buses with `open` (i2c-dev, or a fake in tests). Throws SMOL_DEVICE_UNAVAILABLE from `get`. */
export function i2cBuses(open: (bus: number) => Promise<I2cBus> = openI2cDevBus): I2cBuses {
  const buses = new Map<number, Promise<I2cBus>>();
  return {
    get(bus) {
      let p = buses.get(bus);
      if (!p) {
        p = open(bus);
        // A bus that could not be opened is tried again next time (a USB I2C adapter plugged in later).
        p.catch(() => buses.delete(bus));
        buses.set(bus, p);
      }
      return p;
    },
    async close() {
      const all = [...buses.values()];
      buses.clear();
      await Promise.all(all.map((p) => p.then((b) => b.close()).catch(() => undefined)));
    },
  };
}
