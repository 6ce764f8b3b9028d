/**
 * The kernel-driven platforms — `iio`, `w1`, `hwmon` — as device platforms: the sysfs readers
 * (adapters/devices/sysfs) with the framework's read recorder. The sysfs root is the node's
 * (`sensors.sysRoot`, `/sys`), so tests run a node on a fake tree with the kernel's layout.
 */
import { z } from 'zod';
import type { DeviceInstance } from '../../../core/devices/device-port.js';
import { definePlatform, type DeviceContext } from '../platform.js';
import { createHwmonDevice, createIioDevice, createW1Device, type SysfsContext } from '../sysfs/sysfs-platforms.js';

const channels = z
  .array(z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a channel like temperature, humidity, voltage0'))
  .min(1)
  .optional()
  .describe('only these channels (all the device offers when absent)');

/**
 * Finds the device before it is handed to the framework, so its sources are registered with their
 * units and classes; one that is not there yet throws SMOL_DEVICE_UNAVAILABLE and is tried again.
 */
async function located(device: DeviceInstance & { refresh(): Promise<void> }): Promise<DeviceInstance> {
  await device.refresh();
  return device;
}

function sysfsContext(ctx: DeviceContext): SysfsContext {
  return {
    sysRoot: ctx.sysRoot,
    now: ctx.now,
    onRead: (source) => ctx.reads.ok(source),
    onFailure: (source, error) => ctx.reads.fail(source, error.code, error.message),
  };
}

export const iioPlatform = definePlatform({
  name: 'iio',
  description: 'an IIO device of the kernel: DHT11/22, BME280/BMP280/BME680, SHT3x, HC-SR04, light sensors, ADCs',
  defaultIntervalMs: 10_000,
  schema: z
    .object({
      device: z.string().min(1).optional().describe("the driver's name in iio:deviceN/name (dht11, bme280, hcsr04, …)"),
      index: z.number().int().min(0).optional().describe('the n-th device of that name (0 = the first)'),
      id: z.string().regex(/^iio:device\d+$/, 'expected iio:deviceN').optional().describe('or a fixed iio:deviceN (numbers can change at boot)'),
      channels,
    })
    .strict()
    .refine((c) => c.device !== undefined || c.id !== undefined, { message: 'needs device (the driver name, e.g. bme280) or id (iio:deviceN)', path: ['device'] }),
  create: (config, ctx) =>
    located(createIioDevice(
      {
        name: config.name,
        intervalMs: config.intervalMs ?? 10_000,
        ...(config.device === undefined ? {} : { device: config.device }),
        ...(config.index === undefined ? {} : { index: config.index }),
        ...(config.id === undefined ? {} : { id: config.id }),
        ...(config.channels === undefined ? {} : { channels: config.channels }),
      },
      sysfsContext(ctx),
    )),
});

export const w1Platform = definePlatform({
  name: 'w1',
  description: 'a 1-Wire temperature sensor (DS18B20) through w1_therm (dtoverlay=w1-gpio)',
  defaultIntervalMs: 10_000,
  schema: z
    .object({
      id: z
        .string()
        .regex(/^(10|22|28|3b|42)-[0-9a-f]{12}$/, 'expected a serial like 28-00000abcdef0 (ls /sys/bus/w1/devices)')
        .optional()
        .describe('the sensor serial; the only sensor on the bus when absent'),
    })
    .strict(),
  create: (config, ctx) =>
    located(createW1Device({ name: config.name, intervalMs: config.intervalMs ?? 10_000, ...(config.id === undefined ? {} : { id: config.id }) }, sysfsContext(ctx))),
});

export const hwmonPlatform = definePlatform({
  name: 'hwmon',
  description: 'a hwmon chip of the kernel: temperatures, fans, voltages, currents, power (cpu_thermal, pwmfan, ina219, …)',
  defaultIntervalMs: 10_000,
  schema: z
    .object({
      chip: z.string().min(1).describe("the chip's name in hwmonN/name"),
      index: z.number().int().min(0).optional().describe('the n-th chip of that name'),
      channels,
    })
    .strict(),
  create: (config, ctx) =>
    located(createHwmonDevice(
      {
        name: config.name,
        chip: config.chip,
        intervalMs: config.intervalMs ?? 10_000,
        ...(config.index === undefined ? {} : { index: config.index }),
        ...(config.channels === undefined ? {} : { channels: config.channels }),
      },
      sysfsContext(ctx),
    )),
});
