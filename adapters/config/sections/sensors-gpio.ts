import { z } from 'zod';
import type { PinConfig } from '../../../core/sensors/sensor-port.js';
import { bcmOfHeaderPin, headerPin, headerPinOfBcm } from '../../gpio/header-pins.js';

// Pin names become source ids (`gpio.<name>`), which are lowercase with underscores.
const PIN_NAME = /^[a-z][a-z0-9_]*$/;
// A chip by device name (gpiochip0) or by label (pinctrl-rp1, pinctrl-bcm2711, gpio-brcmstb@107d508500).
const CHIP = /^[A-Za-z0-9][A-Za-z0-9_.@:-]*$/;

/** Debounce of inputs unless a pin says otherwise (ms): a push button bounces for ~1–10 ms. */
export const DEFAULT_DEBOUNCE_MS = 20;

/** One GPIO pin as written in the config: a header pin or a chip line (exactly one). */
const pinInput = z
  .object({
    name: z.string().regex(PIN_NAME, 'expected lowercase letters, digits and underscores').describe('name in source ids and tools (lowercase, digits, _)'),
    pin: z.number().int().min(1).max(40).optional().describe('physical header pin, 1..40 (or give line)'),
    line: z.number().int().min(0).max(511).optional().describe('line offset on the chip: the BCM number on a Pi (or give pin)'),
    chip: z.string().regex(CHIP, 'a chip name like gpiochip0 or a label like pinctrl-rp1').optional().describe('GPIO chip of this pin (default: sensors.gpio.chip)'),
    direction: z.enum(['input', 'output']).describe('input or output'),
    pull: z.enum(['off', 'up', 'down']).default('off').describe('pull resistor (off, up or down; default off)'),
    debounceMs: z.number().int().min(0).max(10_000).optional().describe('inputs: changes within this many ms after an edge are one edge (default sensors.gpio.debounceMs)'),
  })
  .strict() satisfies z.ZodType<PinConfig>;

/** One GPIO pin; resolved to a core PinConfig with its line (and header pin when it has one). */
export const pinSchema = pinInput.superRefine((p: PinConfig, ctx) => {
  if ((p.pin === undefined) === (p.line === undefined)) {
    ctx.addIssue({ code: 'custom', path: [p.pin === undefined ? 'pin' : 'line'], message: `pin ${p.name}: give exactly one of pin (header pin) or line (BCM line number)` });
    return;
  }
  if (p.pin !== undefined) {
    const what = headerPin(p.pin);
    if (what !== undefined && what.kind !== 'gpio') {
      ctx.addIssue({ code: 'custom', path: ['pin'], input: p.pin, message: `pin ${p.name}: header pin ${p.pin} is ${what.label} (${what.kind}), not a GPIO` });
    }
  }
});

/**
 * The PinConfig of a parsed pin entry: `line` always, `pin` when the line is on the header, the
 * section's debounce for inputs. (Not a zod transform: the schema walker reads the section's shape.)
 */
export function resolvePin(p: PinConfig, defaultDebounceMs = DEFAULT_DEBOUNCE_MS): PinConfig {
  // A line on another chip than the header's has no header pin.
  const line = p.line ?? (p.pin === undefined ? undefined : bcmOfHeaderPin(p.pin));
  if (line === undefined) throw new TypeError(`pin ${p.name}: neither a GPIO header pin nor a line`);
  const pin = p.pin ?? (p.chip === undefined ? headerPinOfBcm(line) : undefined);
  return {
    name: p.name,
    ...(pin === undefined ? {} : { pin }),
    line,
    ...(p.chip === undefined ? {} : { chip: p.chip }),
    direction: p.direction,
    pull: p.pull,
    ...(p.direction === 'input' ? { debounceMs: p.debounceMs ?? defaultDebounceMs } : {}),
  };
}

const defaultPins = () => [
  { name: 'button', pin: 11, direction: 'input' as const, pull: 'up' as const },
  { name: 'led', pin: 12, direction: 'output' as const, pull: 'off' as const },
];

const pinList = z.array(pinSchema).superRefine((pins, ctx) => {
  const names = new Map<string, number>();
  const lines = new Map<string, number>();
  pins.forEach((p, i) => {
    const sameName = names.get(p.name);
    if (sameName !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, 'name'], input: p.name, message: `duplicate pin name (also pins.${sameName})` });
    } else names.set(p.name, i);
    const line = p.line ?? (p.pin === undefined ? undefined : bcmOfHeaderPin(p.pin));
    if (line === undefined) return;
    const key = `${p.chip ?? ''}:${line}`;
    const same = lines.get(key);
    const field = p.pin === undefined ? 'line' : 'pin';
    if (same !== undefined) {
      ctx.addIssue({ code: 'custom', path: [i, field], input: p[field], message: field === 'pin' ? `duplicate pin number (also pins.${same})` : `duplicate line (also pins.${same}), GPIO line ${line}` });
    } else lines.set(key, i);
  });
});

/** The section's pins resolved (resolvePin) with its debounce. */
export function gpioPins(section: { readonly pins: readonly PinConfig[]; readonly debounceMs: number }): PinConfig[] {
  return section.pins.map((p) => resolvePin(p, section.debounceMs));
}

/** `sensors.gpio`: mode, backend, chip, sampling and pins (names and lines unique). */
export const gpioSection = z
  .object({
    enabled: z.boolean().default(true).describe('Sample GPIO pins'),
    mode: z
      .enum(['auto', 'hardware', 'simulated'])
      .default('auto')
      .describe('auto = hardware when present, else the deterministic simulation'),
    backend: z
      .enum(['auto', 'rpio', 'chardev'])
      .default('auto')
      .describe('hardware driver: rpio (/dev/gpiomem, Pi 1-4), chardev (/dev/gpiochip* through the gpiod tools: every Pi incl. the Pi 5, any Linux board), auto = rpio where it works, else chardev'),
    chip: z
      .string()
      .regex(CHIP, 'a chip name like gpiochip0 or a label like pinctrl-rp1')
      .default('auto')
      .describe("chardev: the chip of the pins (gpiochipN or a label); auto = the Pi header's chip (pinctrl-rp1 on a Pi 5, pinctrl-bcm2711/2835 before), else gpiochip0"),
    intervalMs: z.number().int().min(100).default(5000).describe('How often pins are sampled (ms, at least 100); inputs also report edges as they happen'),
    debounceMs: z.number().int().min(0).max(10_000).default(DEFAULT_DEBOUNCE_MS).describe('Debounce of input edges (ms) unless a pin sets its own'),
    seed: z.number().int().default(1).describe('Seed of the simulation, so runs are reproducible'),
    simulateEdges: z.boolean().default(false).describe('simulation: report an input change as an edge when it happens (not only at the next sample)'),
    pins: pinList.default(defaultPins).describe('Pins to expose; names and lines must be unique'),
  })
  .strict()
  .prefault({})
  .describe('GPIO pins (rpio or the GPIO character device, or a simulation when there is no hardware)');
