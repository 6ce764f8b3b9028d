/**
 * `doctor`'s GPIO check: which driver `sensors.gpio.mode` and `backend` pick on this machine
 * (rpio, the GPIO character device, or the simulation) and why, as the node would at start.
 */
import { access, constants } from 'node:fs/promises';
import type { Config } from '../../config/schema.js';
import { ErrorCodes } from '../../../core/errors.js';
import { detectPiHardware } from '../../sensors/gpio-hardware.js';
import { planBackends, type GpioFacts, type HardwareKind } from '../../gpio/select-backend.js';
import { openGpiodTools } from '../../gpio/gpiod-tools.js';
import { pickChip } from '../../gpio/line-port.js';
import { readdir } from 'node:fs/promises';
import { fail, ok, warn, type CheckResult } from './check.js';

/** Where the check looks; tests point these at kernel-like trees and stand-in tools. */
export interface GpioCheckPaths {
  readonly model?: string;
  readonly gpiomem?: string;
  readonly dev?: string;
  /** Directory of the gpiod tools (gpiodetect); default: PATH. */
  readonly gpiodTools?: string;
}

const rw = (path: string) => access(path, constants.R_OK | constants.W_OK).then(() => true, () => false);

/** Whether a driver would open here: ok with what it drives, or why not. */
async function usable(kind: HardwareKind, facts: GpioFacts, config: Config, gpiomem: string, gpiodTools: string | undefined): Promise<{ ok: true; text: string } | { ok: false; why: string }> {
  const chipText = facts.chips.length > 0 ? `; ${facts.chips.map((c) => `${facts.dev}/${c}`).join(', ')} present` : '';
  if (kind === 'rpio') {
    if (!(await rw(gpiomem))) return { ok: false, why: `rpio: ${gpiomem} is not readable and writable by this user` };
    return { ok: true, text: `hardware (${facts.rpio.model}, ${gpiomem} read/write${chipText}) through rpio` };
  }
  let driver;
  try {
    driver = await openGpiodTools(gpiodTools === undefined ? {} : { toolDir: gpiodTools });
  } catch (err) {
    return { ok: false, why: `chardev: ${(err as Error).message}` };
  }
  const chips = await driver.chips().catch(() => []);
  const chip = pickChip(chips, config.sensors.gpio.chip);
  if (!chip) {
    const known = chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'none listed';
    return { ok: false, why: `chardev: no chip ${config.sensors.gpio.chip === 'auto' ? 'of a Raspberry Pi header' : config.sensors.gpio.chip} (gpiodetect: ${known}); set sensors.gpio.chip` };
  }
  const path = `${facts.dev}/${chip.name}`;
  if (!(await rw(path))) return { ok: false, why: `chardev: ${path} is not readable and writable by this user` };
  return { ok: true, text: `hardware through the GPIO character device: ${chip.name} [${chip.label}], ${chip.lines} lines, ${driver.description}` };
}

/** Which GPIO backend `sensors.gpio` would pick here, and whether its devices are usable. */
export async function checkGpio(config: Config, paths: GpioCheckPaths = {}): Promise<CheckResult> {
  const name = 'gpio';
  const gpio = config.sensors.gpio;
  if (!gpio.enabled) return ok(name, 'disabled (sensors.gpio.enabled: false)');
  if (gpio.mode === 'simulated') return ok(name, 'simulated (sensors.gpio.mode: simulated)');
  const dev = paths.dev ?? '/dev';
  const gpiomem = paths.gpiomem ?? `${dev}/gpiomem`;
  // Existence only, like the node: whether this user may use it is asked below.
  const rpio = await detectPiHardware({ ...(paths.model ? { model: paths.model } : {}), gpiomem });
  const chips = (await readdir(dev).catch(() => [] as string[])).filter((n) => /^gpiochip\d+$/.test(n));
  const facts: GpioFacts = { rpio, chips, dev };
  const plan = planBackends(gpio.backend, facts);
  const why: string[] = [...plan.skipped];
  for (const kind of plan.order) {
    const u = await usable(kind, facts, config, gpiomem, paths.gpiodTools);
    if (u.ok) return ok(name, u.text);
    why.push(u.why);
  }
  const reasons = why.join('; ') || 'no supported GPIO hardware';
  const isPi = rpio.model?.includes('Raspberry Pi') === true;
  const remedy = isPi
    ? 'install the gpiod tools (sudo apt install gpiod) and add the user to the gpio group (sudo usermod -a -G gpio $(id -un), then log in again), or set sensors.gpio.mode: simulated to mean it'
    : 'set sensors.gpio.mode: auto or simulated on this machine, or sensors.gpio.chip to its GPIO chip';
  if (gpio.mode === 'hardware') return fail(name, `sensors.gpio.mode is hardware but no driver can open: ${reasons}`, remedy, ErrorCodes.SENSOR_UNAVAILABLE);
  // auto: simulating on a laptop is the plan; simulating on a Pi is a surprise worth a warning.
  return isPi ? warn(name, `auto picks the simulation: ${reasons}`, remedy, ErrorCodes.SENSOR_UNAVAILABLE) : ok(name, `auto picks the simulation (${reasons})`);
}
