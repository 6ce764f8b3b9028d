/**
 * Ports for devices declared in YAML (`sensors.devices`, in the ESPHome spirit) and for outputs.
 * Platforms (iio, w1, hwmon, i2c-*, gpio-counter, external-json, …) are implemented in
 * adapters/devices and registered in adapters/devices/platforms.ts; core never imports them.
 */
import type { SensorProvider, SourceInfo } from '../sensors/sensor-port.js';

/** Home Assistant's device classes we emit (sensor and binary_sensor); free text is allowed too. */
export type DeviceClass = string;

/** A source of a device, with what downstream (HA discovery, charts, observer) needs to show it. */
export interface DeviceSourceInfo extends SourceInfo {
  /** The configured device this source belongs to (its `name`). */
  readonly device?: string;
  /** The platform that reads it, e.g. `iio`, `w1`. */
  readonly platform?: string;
  /** HA device class: temperature, humidity, pressure, illuminance, distance, voltage, power, motion, door, … */
  readonly deviceClass?: DeviceClass;
  /** 0/1 values (a contact, a button, motion): charts draw an on/off timeline, HA a binary_sensor. */
  readonly binary?: boolean;
}

/** Counts of refused reads per source, so `doctor`, health and the devices view can show them. */
export interface DeviceReadStats {
  readonly ok: number;
  readonly failed: number;
  /** Code and message of the latest failed read, while the device is failing. */
  readonly lastError?: { readonly code: string; readonly message: string; readonly atMs: number };
}

/**
 * Journals readings that happen *now* (a GPIO edge, a pulse), outside the sampler's ticks.
 * Resolves when the reading is durable (or group-committed, for readings: see journal.readingsCommitMs).
 */
export type PushReadings = (values: Record<string, number>) => Promise<void>;

/** One configured device, started as part of the sensors: polled on its interval, and/or pushing. */
export interface DeviceInstance extends SensorProvider {
  readonly device: string;
  readonly platform: string;
  /** Poll interval (ms); undefined for a device that only pushes (edges, pulses). */
  readonly intervalMs: number | undefined;
  sources(): readonly DeviceSourceInfo[];
  /** Called once after start with the push path, for devices that report when something happens. */
  attach?(push: PushReadings): void;
  stats(): ReadonlyMap<string, DeviceReadStats>;
}

/** An output the agent, the executor, MQTT/HA and the dashboard can drive (allowlisted in config). */
export interface OutputInfo {
  readonly name: string;
  /** `switch` (LED, relay, buzzer: 0/1), `pwm` (0..1 duty), `text` (LCD), `number` (7-segment). */
  readonly kind: 'switch' | 'pwm' | 'text' | 'number';
  readonly platform: string;
  readonly device?: string;
  /** Last value written, if any (what HA's state topic and the dashboard show). */
  readonly value?: number | string;
}

/** Writes to configured outputs. Throws SMOL_OUTPUT_UNKNOWN, SMOL_OUTPUT_NOT_ALLOWED, SMOL_DEVICE_UNAVAILABLE, SMOL_I2C_NO_ACK. */
export interface OutputPort {
  list(): readonly OutputInfo[];
  write(name: string, value: number | string): Promise<void>;
}

/** One debounced edge of a GPIO input: the level it went to, and when (ms). */
export interface Edge {
  readonly value: 0 | 1;
  readonly atMs: number;
}

/**
 * Edge events of configured GPIO inputs (the GPIO backend's interrupts), for platforms that count
 * or time them (gpio-counter). `pin` is the input's configured name (`sensors.gpio.pins[].name`).
 * Returns an unsubscribe. Throws SMOL_GPIO_PIN_UNKNOWN for a pin that is not a configured input.
 */
export interface EdgeSource {
  onEdge(pin: string, cb: (edge: Edge) => void): () => void;
}
