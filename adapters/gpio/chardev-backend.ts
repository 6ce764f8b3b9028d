/**
 * A GpioBackend on the kernel's GPIO character device, through the line-level port: inputs are
 * read once and then follow the kernel's edge events, outputs are held at their last value.
 */
import type { PinConfig, PinPull } from '../../core/sensors/sensor-port.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { EdgeListener, GpioBackend } from '../sensors/gpio-backend.js';
import { bcmOfHeaderPin } from './header-pins.js';
import { pickChip, type ChipInfo, type InputWatch, type LineBias, type LineDriver, type OutputHold } from './line-port.js';

/** The consumer name the kernel shows for our lines (`gpioinfo`). */
export const CONSUMER = 'smollama';

/** Options of openChardevBackend. */
export interface ChardevOptions {
  /** The chip of pins without their own: a name, a label or `auto` (the Pi header's chip). */
  readonly chip: string;
  /** Told when a watch fails after start (gpiomon died): its inputs keep their last level. */
  readonly onError?: (err: unknown) => void;
}

/** The chardev backend, saying which chips it uses, e.g. `gpiochip0 [pinctrl-rp1]`. */
export interface ChardevBackend extends GpioBackend {
  readonly chips: readonly ChipInfo[];
}

const BIAS: Record<PinPull, LineBias> = { off: 'disabled', up: 'pull-up', down: 'pull-down' };

/** The line offset of a pin: its `line`, else the BCM line of its header pin. */
export function lineOf(pin: PinConfig): number {
  const line = pin.line ?? (pin.pin === undefined ? undefined : bcmOfHeaderPin(pin.pin));
  if (line === undefined) throw new TypeError(`GPIO pin ${pin.name} has neither a line nor a GPIO header pin`);
  return line;
}

/**
 * Requests every pin's line (inputs with edge detection and their bias, outputs driven LOW).
 * Throws SMOL_SENSOR_UNAVAILABLE naming the pin when its chip or line does not exist or a
 * request fails; whatever it had requested is released first.
 */
export async function openChardevBackend(driver: LineDriver, pins: readonly PinConfig[], options: ChardevOptions): Promise<ChardevBackend> {
  const chips = await driver.chips();
  if (chips.length === 0) throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, 'GPIO chardev: gpiodetect lists no GPIO chips');
  const byChip = new Map<ChipInfo, PinConfig[]>();
  for (const pin of pins) {
    const wanted = pin.chip ?? options.chip;
    const chip = pickChip(chips, wanted);
    if (!chip) {
      const known = chips.map((c) => `${c.name} [${c.label}]`).join(', ');
      const what = wanted === 'auto' ? 'no Raspberry Pi header chip (set sensors.gpio.chip to one of them)' : `no chip ${wanted}`;
      throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO pin ${pin.name}: ${what} (this machine has ${known})`, { details: { pin: pin.name, chip: wanted } });
    }
    if (lineOf(pin) >= chip.lines) {
      throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO pin ${pin.name}: line ${lineOf(pin)} is not on ${chip.name} [${chip.label}] (${chip.lines} lines)`, { details: { pin: pin.name } });
    }
    byChip.set(chip, [...(byChip.get(chip) ?? []), pin]);
  }

  const levels = new Map<string, 0 | 1>();
  const watches: InputWatch[] = [];
  const holds = new Map<string, OutputHold>();
  let listener: EdgeListener | undefined;
  const release = async () => {
    await Promise.all([...watches.map((w) => w.close()), ...[...holds.values()].map((h) => h.close())]);
  };
  try {
    for (const [chip, chipPins] of byChip) {
      const inputs = chipPins.filter((p) => p.direction === 'input');
      const outputs = chipPins.filter((p) => p.direction === 'output');
      if (inputs.length > 0) {
        const byLine = new Map(inputs.map((p) => [lineOf(p), p]));
        const watch = await driver.watchInputs(
          { chip: chip.name, consumer: CONSUMER, lines: inputs.map((p) => ({ offset: lineOf(p), bias: BIAS[p.pull] })) },
          (edge) => {
            const pin = byLine.get(edge.offset);
            if (!pin) return;
            levels.set(pin.name, edge.level);
            listener?.(pin, edge.level);
          },
          (err) => options.onError?.(err),
        );
        watches.push(watch);
        for (const p of inputs) {
          const v = watch.initial.get(lineOf(p));
          if (v !== undefined && !levels.has(p.name)) levels.set(p.name, v);
        }
      }
      if (outputs.length > 0) {
        // Outputs start LOW so a restart never re-energises whatever a relay was switching.
        holds.set(chip.name, await driver.holdOutputs({ chip: chip.name, consumer: CONSUMER, values: new Map(outputs.map((p) => [lineOf(p), 0 as const])) }));
        for (const p of outputs) levels.set(p.name, 0);
      }
    }
  } catch (cause) {
    await release();
    throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO chardev: the lines could not be requested: ${(cause as Error).message}`, { cause });
  }
  const chipOfPin = new Map<string, string>();
  for (const [chip, chipPins] of byChip) for (const p of chipPins) chipOfPin.set(p.name, chip.name);

  return {
    chips: [...byChip.keys()],
    read(pin) {
      const v = levels.get(pin.name);
      if (v === undefined) throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO pin ${pin.name}: no level read yet`);
      return v;
    },
    async write(pin, value) {
      const hold = holds.get(chipOfPin.get(pin.name) ?? '');
      if (!hold || pin.direction !== 'output') throw new TypeError(`GPIO pin ${pin.name} is not a held output`);
      await hold.set(new Map([[lineOf(pin), value]]));
      levels.set(pin.name, value);
    },
    watch(l) {
      listener = l;
    },
    close: release,
  };
}
