/** The seam between the GPIO port and what drives the pins: the simulation, rpio or the chardev. */
import type { PinConfig } from '../../core/sensors/sensor-port.js';

/** Told of a raw (not yet debounced) change of an input as it happens. */
export type EdgeListener = (pin: PinConfig, level: 0 | 1) => void;

/** Which driver a backend is, as doctor, the banner and /api show it. */
export type GpioBackendKind = 'rpio' | 'chardev' | 'simulation';

/** One way of driving the configured pins; reads are synchronous (rpio is, chardev caches levels). */
export interface GpioBackend {
  read(pin: PinConfig): 0 | 1;
  /** Resolves when the pin carries the value (chardev: the holder process was replaced). */
  write(pin: PinConfig, value: 0 | 1): void | Promise<void>;
  /** Starts reporting input changes as they happen; a backend without it is only sampled. */
  watch?(listener: EdgeListener): void;
  /** Releases whatever the backend holds (hardware pins go back to safe inputs). */
  close(): void | Promise<void>;
}
