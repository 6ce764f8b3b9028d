/**
 * The `gpio` provider: configured pins as readings (`gpio.<name>`) and as a writable port, driven
 * by rpio (Pi 1-4), the kernel's GPIO character device (every Pi including the Pi 5, any Linux
 * board) or the deterministic, labelled simulation. Inputs report debounced edges as they happen
 * through `attach(push)`; the sampler's poll stays as a heartbeat.
 */
import type { GpioMode, GpioPort, PinConfig, PinState, SourceInfo } from '../../core/sensors/sensor-port.js';
import type { PushReadings } from '../../core/devices/device-port.js';
import { ErrorCodes, SmolError, isSmolError } from '../../core/errors.js';
import type { GpioBackend, GpioBackendKind } from './gpio-backend.js';
import { type HardwareInfo, type RpioLike, loadRpioModule, openHardwareBackend } from './gpio-hardware.js';
import { DEFAULT_SIMULATION_PERIOD_MS, createSimulatedBackend, type SimulatedBackend } from './gpio-simulation.js';
import { detectGpioFacts, planBackends, type BackendSetting, type GpioFacts, type HardwareKind } from '../gpio/select-backend.js';
import { openChardevBackend } from '../gpio/chardev-backend.js';
import { openGpiodTools } from '../gpio/gpiod-tools.js';
import type { LineDriver } from '../gpio/line-port.js';
import { EdgeDebouncer, type DebounceWorld } from '../gpio/edge-debouncer.js';

export type { HardwareInfo, RpioLike } from './gpio-hardware.js';

/** Options of createGpio; the world (clock, detection, drivers) is injectable for tests. */
export interface GpioOptions {
  readonly pins: readonly PinConfig[];
  /** `auto`: hardware when available, else simulated. */
  readonly mode: 'auto' | GpioMode;
  /** Which hardware driver: `auto` = rpio where it works, else the chardev. Default auto. */
  readonly backend?: BackendSetting;
  /** chardev: the chip of pins without their own (name, label or `auto`). Default auto. */
  readonly chip?: string;
  /** Seed of the simulation; the same seed and clock give the same input values. Default 0. */
  readonly seed?: number;
  /** How long a simulated input holds a value. Default 10 s. */
  readonly periodMs?: number;
  /** The simulation reports its input changes as edges. Default false. */
  readonly simulateEdges?: boolean;
  /** Debounce of inputs without their own debounceMs. Default 20 ms. */
  readonly debounceMs?: number;
  readonly now?: () => number;
  /** What the machine has; default: looks at /dev and the device tree. */
  readonly detect?: () => Promise<GpioFacts>;
  /** rpio's detection alone (older callers); chips are then taken as absent. */
  readonly detectHardware?: () => Promise<HardwareInfo>;
  readonly loadRpio?: () => Promise<RpioLike>;
  /** The chardev's line driver; default: the gpiod tools. */
  readonly openLines?: () => Promise<LineDriver>;
  readonly debounceWorld?: DebounceWorld;
  /** Told of a failure outside a call: a watch that died, a push the journal refused. */
  readonly onError?: (err: unknown) => void;
}

/** A GpioPort that also says which driver it uses and why, and pushes input edges. */
export interface GpioProvider extends GpioPort {
  readonly hardware: HardwareInfo;
  /** The driver in use now. */
  readonly backend: GpioBackendKind;
  /** Why that driver: what it drives, or why hardware was not used. */
  readonly backendReason: string;
  /** Journals each debounced input edge through `push` as `{ 'gpio.<name>': level }`. */
  attach(push: PushReadings): void;
  /** A simulated edge (the simulation only): throws SMOL_GPIO_PIN_UNKNOWN, TypeError when not simulating. */
  simulateEdge(name: string, level: 0 | 1): void;
  /** Releases the lines (ends the gpiod tools' processes). */
  close(): Promise<void>;
}

/**
 * Creates the `gpio` provider. Throws SMOL_SENSOR_UNAVAILABLE when `mode: 'hardware'` is asked
 * for and no driver opens; TypeError for duplicate pin names.
 */
export async function createGpio(options: GpioOptions): Promise<GpioProvider> {
  const pins = new Map<string, PinConfig>();
  for (const pin of options.pins) {
    if (pins.has(pin.name)) throw new TypeError(`duplicate GPIO pin name: ${pin.name}`);
    pins.set(pin.name, pin);
  }
  const inputs = [...pins.values()].filter((p) => p.direction === 'input');
  const simulate = (outputs?: ReadonlyMap<string, 0 | 1>) =>
    createSimulatedBackend({
      seed: options.seed ?? 0,
      periodMs: options.periodMs ?? DEFAULT_SIMULATION_PERIOD_MS,
      now: options.now ?? Date.now,
      edges: options.simulateEdges === true,
      inputs,
      ...(outputs === undefined ? {} : { outputs }),
    });
  const facts: GpioFacts = options.detect
    ? await options.detect()
    : options.detectHardware
      ? { rpio: await options.detectHardware().catch((cause: unknown): HardwareInfo => ({ available: false, reason: `hardware detection failed: ${String(cause)}` })), chips: [], dev: '/dev' }
      : await detectGpioFacts();
  const plan = planBackends(options.backend ?? 'auto', facts);
  let hardware: HardwareInfo = plan.order.length > 0 ? { available: true, ...(facts.rpio.model ? { model: facts.rpio.model } : {}) } : { available: false, ...(facts.rpio.model ? { model: facts.rpio.model } : {}), reason: plan.skipped.join('; ') || 'no GPIO hardware driver configured' };
  let rpio: RpioLike | undefined;
  let lines: LineDriver | undefined;

  async function openKind(kind: HardwareKind): Promise<{ backend: GpioBackend; reason: string }> {
    const all = [...pins.values()];
    if (kind === 'rpio') {
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
      return { backend: openHardwareBackend(rpio, all), reason: `rpio on ${facts.rpio.model ?? 'a Raspberry Pi'} (${facts.dev}/gpiomem)` };
    }
    lines ??= await (options.openLines ?? (() => openGpiodTools()))();
    const backend = await openChardevBackend(lines, all, { chip: options.chip ?? 'auto', ...(options.onError ? { onError: options.onError } : {}) });
    return { backend, reason: `chardev on ${backend.chips.map((c) => `${c.name} [${c.label}]`).join(', ') || 'no chip (no pins)'} through ${lines.description}` };
  }

  /** The first hardware driver of the plan that opens; throws SMOL_SENSOR_UNAVAILABLE with every reason. */
  async function openHardware(): Promise<{ backend: GpioBackend; kind: HardwareKind; reason: string }> {
    const failures = [...plan.skipped];
    for (const kind of plan.order) {
      try {
        return { ...(await openKind(kind)), kind };
      } catch (err) {
        failures.push(`${kind}: ${(err as Error).message}`);
      }
    }
    const reason = failures.join('; ') || 'no supported GPIO hardware found';
    throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO hardware is not available: ${reason}`, { details: { reason } });
  }

  let mode: GpioMode;
  let kind: GpioBackendKind;
  let reason: string;
  let backend: GpioBackend;
  if (options.mode === 'simulated') {
    [mode, kind, reason, backend] = ['simulated', 'simulation', 'sensors.gpio.mode: simulated', simulate()];
  } else {
    try {
      const opened = await openHardware();
      [mode, kind, reason, backend] = ['hardware', opened.kind, opened.reason, opened.backend];
    } catch (err) {
      if (options.mode === 'hardware') throw err;
      // Auto must start anyway; remember why hardware failed so setMode and the UI can say so.
      hardware = { ...hardware, available: false, reason: (err as Error).message.replace(/^GPIO hardware is not available: /, '') };
      [mode, kind, reason, backend] = ['simulated', 'simulation', `no GPIO hardware (${hardware.reason})`, simulate()];
    }
  }

  // Edges: raw changes from the backend → debounce → push (which holds them until node.started).
  let push: PushReadings | undefined;
  const debouncer = new EdgeDebouncer(
    (pin, level) => {
      if (!push) return;
      push({ [`gpio.${pin.name}`]: level }).catch((err: unknown) => options.onError?.(err));
    },
    options.debounceMs ?? 20,
    options.debounceWorld,
  );
  const watch = (b: GpioBackend) => {
    debouncer.reset();
    for (const pin of inputs) debouncer.know(pin, tryRead(pin, b));
    b.watch?.((pin, level) => debouncer.edge(pin, level));
  };

  const pinOf = (name: string): PinConfig => {
    const pin = pins.get(name);
    if (pin === undefined) {
      throw new SmolError(ErrorCodes.GPIO_PIN_UNKNOWN, `unknown GPIO pin: ${name}`, { details: { pin: name } });
    }
    return pin;
  };
  function tryRead(pin: PinConfig, b: GpioBackend = backend): 0 | 1 | undefined {
    try {
      return b.read(pin);
    } catch {
      return undefined;
    }
  }
  watch(backend);

  async function switchMode(target: GpioMode): Promise<void> {
    if (target !== 'hardware' && target !== 'simulated') throw new TypeError(`unknown GPIO mode: ${String(target)}`);
    if (target === mode) return;
    if (target === 'hardware') {
      // Outputs start LOW rather than taking simulated values: a value written while simulating
      // was never a command to the real world, so it must not switch a real relay.
      const next = await openHardware();
      await backend.close();
      [backend, kind, reason] = [next.backend, next.kind, next.reason];
    } else {
      // The simulation continues from the real output levels, so the dashboard does not jump.
      const outputs = new Map<string, 0 | 1>();
      for (const pin of pins.values()) {
        const value = pin.direction === 'output' ? tryRead(pin) : undefined;
        if (value !== undefined) outputs.set(pin.name, value);
      }
      await backend.close();
      [backend, kind, reason] = [simulate(outputs), 'simulation', 'switched to the simulation'];
    }
    mode = target;
    watch(backend);
  }
  // Mode switches are serialised so two quick toggles cannot both open the hardware.
  let switching: Promise<void> = Promise.resolve();
  const label = (pin: PinConfig) => `${pin.name} (${pin.pin === undefined ? `line ${pin.line}${pin.chip ? ` of ${pin.chip}` : ''}` : `pin ${pin.pin}`}, ${pin.direction})`;

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
    get backend() {
      return kind;
    },
    get backendReason() {
      return reason;
    },
    sources(): SourceInfo[] {
      return [...pins.values()].map((pin) => ({ source: `gpio.${pin.name}`, provider: 'gpio', label: label(pin), simulated: mode === 'simulated' }));
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
        await backend.write(pin, value);
      } catch (cause) {
        throw new SmolError(ErrorCodes.SENSOR_UNAVAILABLE, `GPIO write of ${name} failed`, { cause });
      }
    },
    setMode(target) {
      const next = switching.then(() => switchMode(target));
      switching = next.catch(() => undefined);
      return next;
    },
    attach(p) {
      push = p;
    },
    simulateEdge(name, level) {
      const pin = pinOf(name);
      if (kind !== 'simulation') throw new TypeError(`simulated edge on ${name} while GPIO is on ${kind}`);
      (backend as SimulatedBackend).inject(pin, level);
    },
    async close() {
      await switching;
      push = undefined;
      debouncer.reset();
      await backend.close();
    },
  };
}
