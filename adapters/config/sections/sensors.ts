import { z } from 'zod';
import { gpioSection } from './sensors-gpio.js';

const systemSection = z
  .object({
    enabled: z.boolean().default(true).describe('Sample CPU temperature, load, memory, disk and uptime'),
    intervalMs: z.number().int().min(100).default(5000).describe('How often they are sampled (ms, at least 100)'),
  })
  .strict()
  .prefault({})
  .describe('Readings from /proc and /sys');

/** `sensors`: one sub-section per provider. */
export const sensorsSection = z
  .object({ system: systemSection, gpio: gpioSection })
  .strict()
  .prefault({})
  .describe('Sensor providers');
