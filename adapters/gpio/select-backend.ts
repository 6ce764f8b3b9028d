/**
 * Which GPIO hardware driver `sensors.gpio.backend` means on this machine, in the order to try:
 * rpio where it works (a Pi 1-4 with /dev/gpiomem), the GPIO character device where
 * /dev/gpiochip* exists (every Pi including the Pi 5, any Linux board). What is skipped says why.
 */
import { readdir } from 'node:fs/promises';
import { detectPiHardware, type HardwareInfo } from '../sensors/gpio-hardware.js';

export type HardwareKind = 'rpio' | 'chardev';
export type BackendSetting = 'auto' | HardwareKind;

/** What the machine offers, as detection found it. */
export interface GpioFacts {
  /** Whether rpio can drive this machine (a Pi 1-4 with /dev/gpiomem), and if not why. */
  readonly rpio: HardwareInfo;
  /** The GPIO character devices present (`gpiochip0`, …). */
  readonly chips: readonly string[];
  /** The device directory the chips were looked for in. */
  readonly dev: string;
}

/** The drivers to try, first first, and why the others are not tried. */
export interface BackendPlan {
  readonly order: readonly HardwareKind[];
  readonly skipped: readonly string[];
}

/** Looks at /dev (or a test's tree) and the device tree model; never throws. */
export async function detectGpioFacts(paths: { dev?: string; model?: string } = {}): Promise<GpioFacts> {
  const dev = paths.dev ?? '/dev';
  const rpio = await detectPiHardware({ gpiomem: `${dev}/gpiomem`, ...(paths.model === undefined ? {} : { model: paths.model }) }).catch(
    (cause: unknown): HardwareInfo => ({ available: false, reason: `detection failed: ${String(cause)}` }),
  );
  const entries = await readdir(dev).catch(() => [] as string[]);
  const chips = entries.filter((n) => /^gpiochip\d+$/.test(n)).sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  return { rpio, chips, dev };
}

/** The plan for a backend setting given the facts; pure. */
export function planBackends(setting: BackendSetting, facts: GpioFacts): BackendPlan {
  const order: HardwareKind[] = [];
  const skipped: string[] = [];
  const wantRpio = setting === 'auto' || setting === 'rpio';
  const wantChardev = setting === 'auto' || setting === 'chardev';
  if (wantRpio) {
    if (facts.rpio.available) order.push('rpio');
    else skipped.push(`rpio: ${facts.rpio.reason ?? 'no supported Raspberry Pi'}`);
  }
  if (wantChardev) {
    if (facts.chips.length > 0) order.push('chardev');
    else skipped.push(`chardev: no ${facts.dev}/gpiochip* (no GPIO character device)`);
  }
  return { order, skipped };
}
