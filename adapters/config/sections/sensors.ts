import { z } from 'zod';
import { gpioSection } from './sensors-gpio.js';
import { devicesList } from '../../devices/device-config.js';

const systemSection = z
  .object({
    enabled: z.boolean().default(true).describe('Sample CPU temperature, load, memory, disk and uptime'),
    intervalMs: z.number().int().min(100).default(5000).describe('How often they are sampled (ms, at least 100)'),
  })
  .strict()
  .prefault({})
  .describe('Readings from /proc and /sys');

/** Where the kernel's sysfs is: IIO, 1-Wire, hwmon and PWM devices are read (and PWM written) under it. */
const sysRoot = z.string().min(1).default('/sys').describe("The kernel's sysfs (IIO, 1-Wire, hwmon, PWM devices); /sys except in tests");

/** `sensors`: one sub-section per provider. */
const sourceIntervals = z
  .record(z.string().regex(/^[a-z0-9_]+\.[a-z0-9_.]+$/, 'a source id like system.disk_used'), z.number().int().min(100))
  .default({})
  .describe('Per-source intervals (ms), e.g. system.disk_used: 600000; a source is journaled only when due');

const minuteRetentionDays = z
  .number()
  .int()
  .min(1)
  .max(36_500)
  .default(30)
  .describe('Days minute rollups are kept (by the readings\' own time); hour rollups are kept for ever');

export const sensorsSection = z
  .object({ system: systemSection, gpio: gpioSection, devices: devicesList, sourceIntervalsMs: sourceIntervals, minuteRetentionDays, sysRoot })
  .strict()
  .prefault({})
  .describe('Sensor providers');
