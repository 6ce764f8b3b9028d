import type { Config } from '../config/schema.js';
import type { Unit } from '../../core/runtime/units.js';
import type { Output } from '../cli/output.js';
import type { Logger } from '../log/logger.js';

/**
 * What units hand to the units that need them, by name. Each unit file adds its entries with
 * `declare module './context.js' { interface Provided { … } }`, so a new unit adds its own.
 */
export interface Provided {}

/** The shelf units put what they provide on; `get` of something not put is a wrong `needs` (TypeError). */
export class Shelf {
  private readonly items = new Map<string, unknown>();

  put<K extends keyof Provided>(key: K, value: Provided[K]): void {
    this.items.set(key as string, value);
  }

  get<K extends keyof Provided>(key: K): Provided[K] {
    if (!this.items.has(key as string)) throw new TypeError(`nothing provides ${String(key)} yet: the unit asking for it must need the unit that puts it`);
    return this.items.get(key as string) as Provided[K];
  }

  /** What is there now, or undefined: for callbacks that may fire before the provider started. */
  peek<K extends keyof Provided>(key: K): Provided[K] | undefined {
    return this.items.get(key as string) as Provided[K] | undefined;
  }
}

/** What a node unit's start gets. */
export interface UnitContext {
  readonly config: Config;
  /** This unit's logger: the node's root logger with `{ unit: name }`. */
  readonly log: Logger;
  readonly shelf: Shelf;
  /** The command's output (the banner lines of `smollama start`). */
  readonly output: Output;
  /** Why the node stops ('SIGTERM', 'start failed', …), for units that journal it. */
  stopReason(): string;
}

export type NodeUnit = Unit<UnitContext>;
