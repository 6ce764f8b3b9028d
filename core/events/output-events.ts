import { z } from 'zod';
import type { EventTypeSpec } from './registry.js';

/**
 * An output was driven: an LED or relay switched, a PWM duty set, text or a number shown on a
 * display. Journaled after the device took it (as gpio.written), so the journal never claims a
 * display showed what it did not.
 */
export const OutputWritten = z.object({
  output: z.string().min(1),
  kind: z.enum(['switch', 'pwm', 'text', 'number']),
  platform: z.string().min(1),
  value: z.union([z.number().refine(Number.isFinite, 'must be a finite number'), z.string().max(200)]),
  /** True when the output is the labelled simulation (no hardware on this machine). */
  simulated: z.boolean(),
});

export const outputEventSpecs: EventTypeSpec[] = [{ type: 'output.written', v: 1, schema: OutputWritten }];

declare module './core-events.js' {
  interface EventDataMap {
    'output.written': z.infer<typeof OutputWritten>;
  }
}
