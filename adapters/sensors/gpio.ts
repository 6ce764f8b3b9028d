/**
 * The `gpio` provider: configured pins as readings (`gpio.<name>`) and as a writable port, driven
 * by rpio on a supported Raspberry Pi or by the deterministic, labelled simulation elsewhere.
 */
import type { GpioMode, GpioPort, PinConfig, PinState, SourceInfo } from '../../core/sensors/sensor-port.js';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { GpioBackend } from './gpio-backend.js';
import { type HardwareInfo, type RpioLike, detectPiHardware, loadRpioModule, openHardwareBackend } from './gpio-hardware.js';
import { DEFAULT_SIMULATION_PERIOD_MS, createSimulatedBackend } from './gpio-simulation.js';

export type { HardwareInfo, RpioLike } from './gpio-hardware.js';

/** Options of createGpio; the world (clock, detection, rpio) is injectable for tests. */
export interface GpioOptions {
  readonly pins: readonly PinConfig[];
  /** `auto`: hardware when available, else simulated. */
  readonly mode: 'auto' | GpioMode;
  /** Seed of the simulation; the same seed and clock give the same input values. Default 0. */
  readonly seed?: number;
  /** How long a simulated input holds a value. Default 10 s. */
  readonly periodMs?: number;
  readonly now?: () => number;
  readonly detectHardware?: () => Promise<HardwareInfo>;
  readonly loadRpio?: () => Promise<RpioLike>;
}

/** A GpioPort that also says which hardware it found, or why there is none. */
export interface GpioProvider extends GpioPort {
  readonly hardware: HardwareInfo;
}

/**
 * Creates the `gpio` provider. Throws SMOL_SENSOR_UNAVAILABLE when `mode: 'hardware'` is asked
 * for and no usable hardware is there; TypeError for duplicate pin names.
 */
export async function createGpio(options: GpioOptions): Promise<GpioProvider> {
  const pins = new Map<string, PinConfig>();
  for (const pin of options.pins) {
    if (pins.has(pin.name)) throw new TypeError(`duplicate GPIO pin name: ${pin.name}`);
    pins.set(pin.name, pin);
  }
  const simulate = (outputs?: ReadonlyMap<string, 0 | 1>) =>
    createSimulatedBackend({
      seed: options.seed ?? 0,
      periodMs: options.periodMs ?? DEFAULT_SIMULATION_PERIOD_MS,
      now: options.now ?? Date.now,
      ...(outputs === undefined ? {} : { outputs }),
    });
  let hardware: HardwareInfo = await (options.detectHardware ?? detectPiHardware)().catch(
    (cause: unknown): HardwareInfo => ({ available: false, reason: `hardware detection failed: ${String(cause)}` }),
  );
  let rpio: RpioLike | undefined;

  async function openHardware(): Promise<GpioBackend> {
    if (!hardware.available) {
      const reason = hardware.reason ?? 'no supported GPIO hardware found';
      throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO hardware is not available: ${reason}`, {
        details: { reason },
      });
    }
    if (rpio === undefined) {
      try {
        const loaded = await (options.loadRpio ?? loadRpioModule)();
        // gpiomem needs no root; physical numbering matches PinConfig.pin (header pin numbers).
        loaded.init({ gpiomem: true, mapping: 'physical' });
        rpio = loaded;
      } catch (cause) {
        if (isSmolError(cause)) throw cause;
        throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, 'GPIO hardware: rpio could not be initialised', { cause });
      }
    }
    return openHardwareBackend(rpio, [...pins.values()]);
  }

  let mode: GpioMode;
  let backend: GpioBackend;
  if (options.mode === 'simulated') {
    mode = 'simulated';
    backend = simulate();
  } else if (options.mode === 'hardware') {
    backend = await openHardware();
    mode = 'hardware';
  } else {
    try {
      backend = await openHardware();
      mode = 'hardware';
    } catch (err) {
      // Auto must start anyway; remember why hardware failed so setMode and the UI can say so.
      if (hardware.available) hardware = { ...hardware, available: false, reason: (err as Error).message };
      mode = 'simulated';
      backend = simulate();
    }
  }

  const pinOf = (name: string): PinConfig => {
    const pin = pins.get(name);
    if (pin === undefined) {
      throw new SmolError(ErrorCodes.GPIO_PIN_UNKNOWN, `unknown GPIO pin: ${name}`, { details: { pin: name } });
    }
    return pin;
  };
  const tryRead = (pin: PinConfig): 0 | 1 | undefined => {
    try {
      return backend.read(pin);
    } catch {
      return undefined;
    }
  };

  async function switchMode(target: GpioMode): Promise<void> {
    if (target !== 'hardware' && target !== 'simulated') throw new TypeError(`unknown GPIO mode: ${String(target)}`);
    if (target === mode) return;
    if (target === 'hardware') {
      // Outputs start LOW rather than taking simulated values: a value written while simulating
      // was never a command to the real world, so it must not switch a real relay.
      const next = await openHardware();
      backend.close();
      backend = next;
    } else {
      // The simulation continues from the real output levels, so the dashboard does not jump.
      const outputs = new Map<string, 0 | 1>();
      for (const pin of pins.values()) {
        const value = pin.direction === 'output' ? tryRead(pin) : undefined;
        if (value !== undefined) outputs.set(pin.name, value);
      }
      backend.close();
      backend = simulate(outputs);
    }
    mode = target;
  }
  // Mode switches are serialised so two quick toggles cannot both open the hardware.
  let switching: Promise<void> = Promise.resolve();

  return {
    name: 'gpio',
    get mode() {
      return mode;
    },
    get hardwareAvailable() {
      return hardware.available;
    },
    get hardware() {
      return hardware;
    },
    sources(): SourceInfo[] {
      return [...pins.values()].map((pin) => ({
        source: `gpio.${pin.name}`,
        provider: 'gpio',
        label: `${pin.name} (pin ${pin.pin}, ${pin.direction})`,
        simulated: mode === 'simulated',
      }));
    },
    async sample() {
      const out: Record<string, number> = {};
      for (const pin of pins.values()) {
        const value = tryRead(pin);
        if (value !== undefined) out[`gpio.${pin.name}`] = value;
      }
      return out;
    },
    list(): PinState[] {
      return [...pins.values()].map((pin) => ({ ...pin, value: tryRead(pin), simulated: mode === 'simulated' }));
    },
    async read(name) {
      const pin = pinOf(name);
      try {
        return backend.read(pin);
      } catch (cause) {
        throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO read of ${name} failed`, { cause });
      }
    },
    async write(name, value) {
      const pin = pinOf(name);
      if (pin.direction !== 'output') {
        throw new SmolError(ErrorCodes.GPIO_NOT_OUTPUT, `GPIO pin ${name} is an input`, { details: { pin: name } });
      }
      if (value !== 0 && value !== 1) throw new TypeError(`GPIO value must be 0 or 1, got ${String(value)}`);
      try {
        backend.write(pin, value);
      } catch (cause) {
        throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO write of ${name} failed`, { cause });
      }
    },
    setMode(target) {
      const next = switching.then(() => switchMode(target));
      switching = next.catch(() => undefined);
      return next;
    },
    async close() {
      await switching;
      backend.close();
    },
  };
}
