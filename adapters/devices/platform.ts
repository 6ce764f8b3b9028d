/**
 * What a device platform is (iio, w1, hwmon, i2c-*, gpio-counter, external-json, …): its own config
 * keys as a zod schema, and `create` that turns a validated config into a running DeviceInstance.
 * Platforms are listed in platforms.ts; the framework (device-config.ts, device-runner.ts) adds the
 * common keys, the filters, read statistics, logging, sampling and the push path around them.
 */
import type { z } from 'zod';
import type { DeviceInstance, DeviceReadStats, EdgeSource } from '../../core/devices/device-port.js';
import type { FilterSpec } from '../../core/devices/filters/filter.js';
import type { I2cBus } from '../../core/devices/i2c-port.js';
import type { Timers } from '../../core/runtime/timers.js';

/** Timers a device may use: intervals, and a delay (an I2C conversion time). */
export interface DeviceTimers extends Timers {
  delay(ms: number): Promise<void>;
}

/** The keys every device has, whatever its platform (validated by the framework). */
export interface CommonDeviceConfig {
  readonly platform: string;
  /** Lowercase, digits and _; its sources are `<name>.<channel>`. Unique among devices. */
  readonly name: string;
  /** Poll interval (ms); the platform's default when absent; push-only platforms have none. */
  readonly intervalMs?: number | undefined;
  /** Shown instead of the source id (dashboard, Home Assistant). */
  readonly label?: string | undefined;
  /** Filters applied to every source of the device, each source with its own state. */
  readonly filters: readonly FilterSpec[];
  /** Per-channel filters that replace `filters` for that channel (key: the channel, e.g. `humidity`). */
  readonly sourceFilters: Readonly<Record<string, readonly FilterSpec[]>>;
}

/** A device's config as `create` gets it: the common keys and the platform's own. */
export type DeviceConfigOf<S extends z.ZodType> = CommonDeviceConfig & z.output<S>;

/** Records the outcome of each read of a source; the framework counts, logs (once, then rate-limited) and reports health. */
export interface ReadRecorder {
  ok(source: string): void;
  /** `code`: SMOL_DEVICE_READ_FAILED (a bad value), SMOL_DEVICE_UNAVAILABLE (not there), SMOL_I2C_NO_ACK, … */
  fail(source: string, code: string, message: string): void;
  stats(): ReadonlyMap<string, DeviceReadStats>;
}

/** What a platform's `create` is given: the world, injected (time, timers, files, edges). */
export interface DeviceContext {
  /** The device's name (its sources are `<name>.<channel>`). */
  readonly name: string;
  readonly now: () => number;
  readonly timers: DeviceTimers;
  /** Where sysfs is (`/sys`; a fake tree in tests): iio, w1 and hwmon read under it. */
  readonly sysRoot: string;
  /** Opens (or shares) `/dev/i2c-<bus>`; throws SMOL_DEVICE_UNAVAILABLE when there is no such bus. */
  i2cBus(bus: number): Promise<I2cBus>;
  /** The node's data directory (for platforms that keep a file of their own). */
  readonly dataDir: string;
  /** `<name>.<channel>`, checked: lowercase letters, digits and _ only (TypeError otherwise). */
  sourceId(channel: string): string;
  readonly reads: ReadRecorder;
  /** GPIO edges (interrupts), when the node has a GPIO backend that delivers them. */
  readonly edges: EdgeSource | undefined;
  /** The latest value this node journaled for a source (sensors projection), e.g. a counter's total after a restart. */
  lastValue(source: string): Promise<number | undefined>;
  /** The device's log line (the framework rate-limits read failures itself; this is for the rest). */
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

/** One platform: a name, its own keys, and how a device of it is made. */
export interface DevicePlatform<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** One line for docs and `unknown platform` errors. */
  readonly description: string;
  /**
   * The platform's own keys: a strict z.object (unknown keys are errors naming the device). It must
   * not redeclare the common keys (platform, name, intervalMs, label, filters, sourceFilters).
   */
  readonly schema: S;
  /** Poll interval (ms) when the config gives none; undefined for a platform that only pushes. */
  readonly defaultIntervalMs: number | undefined;
  /**
   * Makes the device. Should not fail because the hardware is absent (a missing device is a
   * failed read, counted, that recovers by itself); a throw is logged and `create` is tried again later.
   */
  create(config: DeviceConfigOf<S>, ctx: DeviceContext): DeviceInstance | Promise<DeviceInstance>;
}

/** Declares a platform with its config type inferred from its schema. */
export function definePlatform<S extends z.ZodType>(platform: DevicePlatform<S>): DevicePlatform {
  return platform as unknown as DevicePlatform;
}
