/**
 * Ports for the edges that measure the world. Implementations live in adapters/sensors and are
 * passed in; core never imports them.
 */

/** Describes one source of readings, e.g. `system.cpu_temp` or `gpio.door`. */
export interface SourceInfo {
  /** Stable id, `<provider>.<name>`, lowercase with underscores. */
  readonly source: string;
  readonly provider: string;
  readonly unit?: string;
  readonly label?: string;
  /** True when the value comes from the deterministic GPIO simulation, not hardware. */
  readonly simulated: boolean;
}

/** Something that can be sampled for readings. */
export interface SensorProvider {
  readonly name: string;
  /** Sources this provider can currently offer. */
  sources(): readonly SourceInfo[];
  /**
   * One sample of every source. A value that cannot be read is absent from the result —
   * never 0, never a guess. Never throws for a single unreadable value.
   */
  sample(): Promise<Record<string, number>>;
  close?(): Promise<void>;
}

export type GpioMode = 'hardware' | 'simulated';
export type PinDirection = 'input' | 'output';
export type PinPull = 'off' | 'up' | 'down';

export interface PinConfig {
  /** Name used in source ids and tools, e.g. `door`. */
  readonly name: string;
  /** Physical header pin number (rpio's numbering); absent for a line that is not on the 40-pin header. */
  readonly pin?: number;
  /** Line offset on its GPIO chip (the BCM number on a Pi's header chip); from `pin` when not given. */
  readonly line?: number;
  /** GPIO chip (`gpiochip0`, or a label like `pinctrl-rp1`); the header's chip when absent. */
  readonly chip?: string;
  /** Changes of an input within this many ms after an edge are one edge (default 20). */
  readonly debounceMs?: number;
  readonly direction: PinDirection;
  readonly pull: PinPull;
}

export interface PinState extends PinConfig {
  readonly value: 0 | 1 | undefined;
  readonly simulated: boolean;
}

/** GPIO access. In `simulated` mode values come from a deterministic, labelled simulation. */
export interface GpioPort extends SensorProvider {
  readonly mode: GpioMode;
  /** Whether real GPIO hardware was found (so `hardware` mode is possible). */
  readonly hardwareAvailable: boolean;
  list(): PinState[];
  /** Throws SMOL_GPIO_PIN_UNKNOWN. */
  read(name: string): Promise<0 | 1>;
  /** Throws SMOL_GPIO_PIN_UNKNOWN, SMOL_GPIO_NOT_OUTPUT. */
  write(name: string, value: 0 | 1): Promise<void>;
  /** Switch at run time; throws SMOL_SENSOR_UNAVAILABLE when asked for hardware that is not there. */
  setMode(mode: GpioMode): Promise<void>;
}
