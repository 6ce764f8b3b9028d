import { z } from 'zod';
import type { PinConfig } from '../../../core/sensors/sensor-port.js';

// Pin names become source ids (`gpio.<name>`), which are lowercase with underscores.
const PIN_NAME = /^[a-z][a-z0-9_]*$/;

/** One GPIO pin; its output is a core PinConfig. */
export const pinSchema = z
  .object({
    name: z.string().regex(PIN_NAME, 'expected lowercase letters, digits and underscores').describe('name in source ids and tools (lowercase, digits, _)'),
    pin: z.number().int().min(1).max(40).describe('physical header pin, 1..40'),
    direction: z.enum(['input', 'output']).describe('input or output'),
    pull: z.enum(['off', 'up', 'down']).default('off').describe('pull resistor (off, up or down; default off)'),
  })
  .strict() satisfies z.ZodType<PinConfig>;

const defaultPins = (): PinConfig[] => [
  { name: 'button', pin: 11, direction: 'input', pull: 'up' },
  { name: 'led', pin: 12, direction: 'output', pull: 'off' },
];

const pinList = z.array(pinSchema).superRefine((pins, ctx) => {
  const names = new Map<string, number>();
  const numbers = new Map<number, number>();
  pins.forEach((p, i) => {
    const sameName = names.get(p.name);
    if (sameName !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], input: p.name, message: `duplicate pin name (also pins.${sameName})` });
    } else names.set(p.name, i);
    const sameNumber = numbers.get(p.pin);
    if (sameNumber !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'pin'], input: p.pin, message: `duplicate pin number (also pins.${sameNumber})` });
    } else numbers.set(p.pin, i);
  });
});

/** `sensors.gpio`: mode, sampling and pins (names and numbers unique). */
export const gpioSection = z
  .object({
    enabled: z.boolean().default(true).describe('Sample GPIO pins'),
    mode: z
      .enum(['auto', 'hardware', 'simulated'])
      .default('auto')
      .describe('auto = hardware when present, else the deterministic simulation'),
    intervalMs: z.number().int().min(100).default(5000).describe('How often pins are sampled (ms, at least 100)'),
    seed: z.number().int().default(1).describe('Seed of the simulation, so runs are reproducible'),
    pins: pinList.default(defaultPins).describe('Pins to expose; names and pin numbers must be unique'),
  })
  .strict()
  .prefault({})
  .describe('GPIO pins (rpio, or a simulation when there is no hardware)');
