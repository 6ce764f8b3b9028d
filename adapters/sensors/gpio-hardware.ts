/**
 * Real GPIO through rpio: detecting a supported Raspberry Pi, loading rpio lazily, and a
 * GpioBackend over it. Nothing here runs unless hardware mode is actually used.
 */
import { access, readFile } from 'node:fs/promises';
import type { PinConfig, PinPull } from '../../core/sensors/sensor-port.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { EdgeListener, GpioBackend } from './gpio-backend.js';
import { headerPinOfBcm } from '../gpio/header-pins.js';

/** Whether usable GPIO hardware is present, and if not, why (shown to the user). */
export interface HardwareInfo {
  readonly available: boolean;
  readonly model?: string;
  readonly reason?: string;
}

/** The part of rpio's API this adapter uses; a test passes a fake with the same shape. */
export interface RpioLike {
  init(options: { gpiomem?: boolean; mapping?: 'physical' | 'gpio'; mock?: string }): void;
  open(pin: number, mode: number, init?: number): void;
  read(pin: number): number;
  write(pin: number, value: number): void;
  close(pin: number, reset?: number): void;
  readonly INPUT: number;
  readonly OUTPUT: number;
  readonly LOW: number;
  readonly HIGH: number;
  readonly PULL_OFF: number;
  readonly PULL_UP: number;
  readonly PULL_DOWN: number;
  /** rpio's edge detection (it polls the SoC's event register every 1 ms); absent in older fakes. */
  poll?(pin: number, cb: ((pin: number) => void) | null, direction?: number): void;
  readonly POLL_BOTH?: number;
}

/** Paths consulted by hardware detection; tests point them at fixture files. */
export interface DetectPaths {
  readonly model?: string;
  readonly gpiomem?: string;
}

// Pi 5, Pi 500 and Compute Module 5 put GPIO behind the RP1 chip, which rpio has no driver for.
const RP1_MODELS = /Raspberry Pi (?:Compute Module )?5/;

/** Detects a Raspberry Pi with /dev/gpiomem that rpio can drive; never throws. */
export async function detectPiHardware(paths: DetectPaths = {}): Promise<HardwareInfo> {
  const modelPath = paths.model ?? '/proc/device-tree/model';
  const gpiomemPath = paths.gpiomem ?? '/dev/gpiomem';
  let model: string;
  try {
    // The device tree string is NUL-terminated.
    model = (await readFile(modelPath, 'utf8')).replace(/\0/g, '').trim();
  } catch {
    return { available: false, reason: `no ${modelPath}: not a Raspberry Pi` };
  }
  if (!model.includes('Raspberry Pi')) return { available: false, model, reason: `${model} is not a Raspberry Pi` };
  if (RP1_MODELS.test(model)) {
    return { available: false, model, reason: `${model} is not supported by rpio (no driver for its RP1 GPIO chip)` };
  }
  try {
    await access(gpiomemPath);
  } catch {
    return { available: false, model, reason: `${gpiomemPath} is missing or not accessible` };
  }
  return { available: true, model };
}

/** Imports rpio on first use; throws SMOL_SENSOR_UNAVAILABLE when its native module cannot load. */
export async function loadRpioModule(): Promise<RpioLike> {
  // A variable specifier: rpio ships no type declarations, and its native addon must not load
  // (or fail to build) on machines that only ever simulate.
  const specifier = 'rpio';
  try {
    const mod = (await import(specifier)) as { default?: RpioLike } & Partial<RpioLike>;
    return mod.default ?? (mod as RpioLike);
  } catch (cause) {
    throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, 'GPIO hardware: the rpio module could not be loaded', {
      cause,
    });
  }
}

function pullOf(rpio: RpioLike, pull: PinPull): number {
  if (pull === 'up') return rpio.PULL_UP;
  if (pull === 'down') return rpio.PULL_DOWN;
  return rpio.PULL_OFF;
}

/**
 * Opens every pin on an initialised rpio: inputs with their pull, outputs LOW. Throws
 * SMOL_SENSOR_UNAVAILABLE (after releasing what it opened) when a pin cannot be opened.
 */
export function openHardwareBackend(rpio: RpioLike, pins: readonly PinConfig[]): GpioBackend {
  // rpio is initialised with physical numbering: a pin given by its BCM line needs its header pin.
  const physical = new Map<string, number>();
  for (const pin of pins) {
    const n = pin.pin ?? (pin.line === undefined || pin.chip !== undefined ? undefined : headerPinOfBcm(pin.line));
    if (n === undefined) {
      throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO hardware: ${pin.name} (line ${pin.line}) is not on the 40-pin header, which is all rpio drives`, { details: { pin: pin.name } });
    }
    physical.set(pin.name, n);
  }
  const at = (pin: PinConfig) => physical.get(pin.name) ?? pin.pin ?? 0;
  const opened: PinConfig[] = [];
  let polling = false;
  const release = () => {
    for (const pin of opened) {
      try {
        if (polling && pin.direction === 'input') rpio.poll?.(at(pin), null);
        rpio.close(at(pin));
      } catch {
        // Best effort: the remaining pins must still be released.
      }
    }
  };
  try {
    for (const pin of pins) {
      if (pin.direction === 'input') rpio.open(at(pin), rpio.INPUT, pullOf(rpio, pin.pull));
      // Outputs start LOW so a restart never re-energises whatever a relay was switching.
      else rpio.open(at(pin), rpio.OUTPUT, rpio.LOW);
      opened.push(pin);
    }
  } catch (cause) {
    release();
    const failed = pins[opened.length];
    throw new SmolError(
      ErrorCodes.SENSOR_UNAVAILABLE,
      `GPIO hardware: could not open ${failed?.name} (physical pin ${failed ? at(failed) : '?'})`,
      { cause, details: { pin: failed?.name } },
    );
  }
  const watch = (listener: EdgeListener) => {
    const poll = rpio.poll;
    if (!poll) return;
    polling = true;
    for (const pin of pins) {
      if (pin.direction === 'input') poll.call(rpio, at(pin), () => listener(pin, rpio.read(at(pin)) ? 1 : 0), rpio.POLL_BOTH);
    }
  };
  return {
    read: (pin) => (rpio.read(at(pin)) ? 1 : 0),
    write: (pin, value) => rpio.write(at(pin), value === 1 ? rpio.HIGH : rpio.LOW),
    ...(rpio.poll ? { watch } : {}),
    close: release,
  };
}
