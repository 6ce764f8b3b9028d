import { z } from 'zod';
import { defineTool } from './tool.js';
import type { GpioAccess } from './ports.js';

const pin = z.string().min(1).describe('pin name, e.g. led');

/** gpio_list, gpio_read, gpio_write (outputs only; every write is journaled). */
export function gpioTools(gpio: GpioAccess) {
  return [
    defineTool({
      name: 'gpio_list',
      description: 'List GPIO pins: name, direction, current value, and whether they are simulated.',
      parameters: z.object({}).strict(),
      async execute() {
        return { pins: gpio.list().map((p) => ({ name: p.name, pin: p.pin, direction: p.direction, value: p.value ?? null, simulated: p.simulated })) };
      },
    }),
    defineTool({
      name: 'gpio_read',
      description: 'Read one GPIO pin (0 or 1).',
      parameters: z.object({ pin }).strict(),
      async execute({ pin: name }) {
        return { pin: name, value: await gpio.read(name) };
      },
    }),
    defineTool({
      name: 'gpio_write',
      description: 'Set an output pin to 0 or 1. Only pins configured as outputs can be written.',
      parameters: z.object({ pin, value: z.union([z.literal(0), z.literal(1)]) }).strict(),
      async execute({ pin: name, value }) {
        await gpio.write(name, value);
        return { pin: name, value };
      },
    }),
  ];
}
