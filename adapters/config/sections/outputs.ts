import { z } from 'zod';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected lowercase letters, digits and _, starting with a letter').describe('name in tools, MQTT topics and Home Assistant');
const agent = z.boolean().default(true).describe('the agent and the instruction executor may drive it (false: only the API, MQTT and the dashboard)');
const label = z.string().min(1).max(80).optional().describe('shown instead of the name');
const headerPin = z.number().int().min(1).max(40).describe('physical header pin, 1..40');

const gpioOutput = z
  .object({ name, label, agent, platform: z.literal('gpio'), pin: z.string().min(1).describe('a sensors.gpio.pins entry with direction output (LED, relay, buzzer)') })
  .strict();
const pwmOutput = z
  .object({
    name,
    label,
    agent,
    platform: z.literal('pwm'),
    chip: z.number().int().min(0).default(0).describe('/sys/class/pwm/pwmchip<chip>'),
    channel: z.number().int().min(0).default(0).describe('the PWM channel (0 = GPIO 18 with dtoverlay=pwm)'),
    frequencyHz: z.number().min(1).max(1_000_000).default(1000).describe('PWM frequency'),
    maxDuty: z.number().min(0).max(1).default(1).describe('the highest duty the output may be given (0..1)'),
  })
  .strict();
const lcdOutput = z
  .object({
    name,
    label,
    agent,
    platform: z.literal('lcd'),
    bus: z.number().int().min(0).max(31).default(1).describe('/dev/i2c-<bus>'),
    address: z.number().int().min(0x03).max(0x77).default(0x27).describe('the PCF8574 backpack address (0x27 or 0x3f)'),
    columns: z.union([z.literal(16), z.literal(20)]).default(16),
    rows: z.union([z.literal(2), z.literal(4)]).default(2),
  })
  .strict();
const tm1637Output = z
  .object({
    name,
    label,
    agent,
    platform: z.literal('tm1637'),
    clk: headerPin.describe('header pin of CLK'),
    dio: headerPin.describe('header pin of DIO'),
    brightness: z.number().int().min(0).max(7).default(7),
  })
  .strict()
  .refine((o) => o.clk !== o.dio, { message: 'clk and dio must be different pins', path: ['dio'] });

export const outputSchema = z.discriminatedUnion('platform', [gpioOutput, pwmOutput, lcdOutput, tm1637Output]);
export type OutputConfig = z.output<typeof outputSchema>;

/** `outputs`: what the node may drive. Only outputs listed here exist (the allowlist); names are unique. */
export const outputsSection = z
  .array(outputSchema)
  .default([])
  .superRefine((outputs, ctx) => {
    const seen = new Map<string, number>();
    outputs.forEach((o, i) => {
      const first = seen.get(o.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'name'], input: o.name, message: `duplicate output name (also outputs.${first})` });
      else seen.set(o.name, i);
    });
  })
  .describe('Outputs: LEDs/relays on GPIO, hardware PWM, an LCD1602/2004 (PCF8574), a TM1637 7-segment display');
