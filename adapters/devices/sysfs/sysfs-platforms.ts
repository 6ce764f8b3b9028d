/**
 * The iio, w1 and hwmon device platforms: config in, DeviceInstance out. Each device is found by
 * what identifies it across reboots and replugs (an IIO or hwmon driver name, a 1-Wire serial).
 */
import { join } from 'node:path';
import type { DeviceInstance } from '../../../core/devices/device-port.js';

/** A sysfs device; `refresh()` finds it now (throws SMOL_DEVICE_UNAVAILABLE when it is not there). */
export type SysfsDevice = DeviceInstance & { refresh(): Promise<void> };
import type { SmolError } from '../../../core/errors.js';
import { findHwmonChip, hwmonChannels, readHwmonChannel } from './hwmon.js';
import { findIioDevice, iioChannels, readIioChannel } from './iio.js';
import { W1_DIR, readW1Temperature, resolveW1Serial } from './w1.js';
import { type SysfsFiles, nodeSysfsFiles, readFailure } from './sysfs-files.js';
import { sysfsDevice } from './sysfs-device.js';

/** What every sysfs platform is given besides its own config. */
export interface SysfsContext {
  /** `/sys`, or a fake tree in tests. */
  readonly sysRoot: string;
  readonly files?: SysfsFiles;
  readonly onFailure?: (source: string, error: SmolError) => void;
  readonly onRead?: (source: string) => void;
  readonly now?: () => number;
}

interface Common {
  readonly name: string;
  readonly intervalMs: number;
  readonly channels?: readonly string[];
}

export interface IioDeviceConfig extends Common {
  /** The driver's name in `iio:deviceN/name` (dht11, bme280, hcsr04, …). */
  readonly device?: string;
  /** The n-th device of that name (0 = first). */
  readonly index?: number;
  /** Or a fixed `iio:deviceN`. */
  readonly id?: string;
}

export interface W1DeviceConfig extends Common {
  /** Serial, e.g. `28-00000abcdef0`; the only sensor on the bus when absent. */
  readonly id?: string;
}

export interface HwmonDeviceConfig extends Common {
  /** The chip's `name` (cpu_thermal, rpi_volt, pwmfan, ina219, …). */
  readonly chip: string;
  readonly index?: number;
}

function common(ctx: SysfsContext) {
  return {
    ...(ctx.onFailure === undefined ? {} : { onFailure: ctx.onFailure }),
    ...(ctx.onRead === undefined ? {} : { onRead: ctx.onRead }),
    ...(ctx.now === undefined ? {} : { now: ctx.now }),
  };
}

export function createIioDevice(config: IioDeviceConfig, ctx: SysfsContext): SysfsDevice {
  const files = ctx.files ?? nodeSysfsFiles;
  return sysfsDevice({
    device: config.name,
    platform: 'iio',
    intervalMs: config.intervalMs,
    ...(config.channels === undefined ? {} : { only: config.channels }),
    locate: () =>
      findIioDevice(files, ctx.sysRoot, {
        ...(config.device === undefined ? {} : { name: config.device }),
        ...(config.index === undefined ? {} : { index: config.index }),
        ...(config.id === undefined ? {} : { id: config.id }),
      }),
    channels: async (dir) => iioChannels(await files.list(dir)).map((c) => ({ ...c, ...unitOf(c.quantity) })),
    read: (dir, ch) => readIioChannel(files, dir, ch),
    ...common(ctx),
  });
}

export function createW1Device(config: W1DeviceConfig, ctx: SysfsContext): SysfsDevice {
  const files = ctx.files ?? nodeSysfsFiles;
  let serial = config.id;
  return sysfsDevice({
    device: config.name,
    platform: 'w1',
    intervalMs: config.intervalMs,
    only: ['temperature'],
    locate: async () => {
      serial = await resolveW1Serial(files, ctx.sysRoot, config.id);
      // The directory must be there; reading it is the next step.
      const dir = join(ctx.sysRoot, ...W1_DIR, serial);
      await files.list(dir).catch((err: unknown) => {
        throw readFailure(dir, err);
      });
      return dir;
    },
    channels: async () => [{ key: 'temperature', unit: '°C', deviceClass: 'temperature' }],
    read: () => readW1Temperature(files, ctx.sysRoot, serial!),
    ...common(ctx),
  });
}

export function createHwmonDevice(config: HwmonDeviceConfig, ctx: SysfsContext): SysfsDevice {
  const files = ctx.files ?? nodeSysfsFiles;
  return sysfsDevice({
    device: config.name,
    platform: 'hwmon',
    intervalMs: config.intervalMs,
    ...(config.channels === undefined ? {} : { only: config.channels }),
    locate: () => findHwmonChip(files, ctx.sysRoot, config.chip, config.index ?? 0),
    channels: async (dir) => (await hwmonChannels(files, dir)).map((c) => ({ ...c, ...unitOf(c.quantity) })),
    read: (dir, ch) => readHwmonChannel(files, dir, ch),
    ...common(ctx),
  });
}

function unitOf(q: { unit?: string; deviceClass?: string }): { unit?: string; deviceClass?: string } {
  return { ...(q.unit === undefined ? {} : { unit: q.unit }), ...(q.deviceClass === undefined ? {} : { deviceClass: q.deviceClass }) };
}
