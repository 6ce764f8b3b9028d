/** The seam between the GPIO port and what drives the pins: the simulation or rpio. */
import type { PinConfig } from '../../core/sensors/sensor-port.js';

/** One way of driving the configured pins; rpio is synchronous, so this is too. */
export interface GpioBackend {
  read(pin: PinConfig): 0 | 1;
  write(pin: PinConfig, value: 0 | 1): void;
  /** Releases whatever the backend holds (hardware pins go back to safe inputs). */
  close(): void;
}
