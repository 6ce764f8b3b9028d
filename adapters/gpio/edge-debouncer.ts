/**
 * Raw input edges in, debounced levels out: core/devices/debounce.ts per pin, with a timer for
 * each window's end (the only part that needs the world).
 */
import { debounceEdge, debounceSettle, debounceStart, type DebounceState, type DebounceStep } from '../../core/devices/debounce.js';
import type { PinConfig } from '../../core/sensors/sensor-port.js';

/** Timers and clock of the debouncer; tests and the benchmark may pass their own. */
export interface DebounceWorld {
  readonly now: () => number;
  readonly setTimeout: (fn: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

export const realDebounceWorld: DebounceWorld = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Debounces the edges of many pins; `emit` gets each debounced change. */
export class EdgeDebouncer {
  private readonly states = new Map<string, DebounceState>();
  private readonly timers = new Map<string, unknown>();

  constructor(
    private readonly emit: (pin: PinConfig, level: 0 | 1) => void,
    private readonly defaultWindowMs: number,
    private readonly world: DebounceWorld = realDebounceWorld,
  ) {}

  /** What the pin is known to be (read at start, or sampled), so an edge to it is no change. */
  know(pin: PinConfig, level: 0 | 1 | undefined): void {
    if (!this.states.has(pin.name)) this.states.set(pin.name, debounceStart(level));
  }

  /** A raw edge of `pin` to `level`, now. */
  edge(pin: PinConfig, level: 0 | 1): void {
    const state = this.states.get(pin.name) ?? debounceStart(undefined);
    this.apply(pin, debounceEdge(state, level, this.world.now(), this.windowOf(pin)));
  }

  private windowOf(pin: PinConfig): number {
    return pin.debounceMs ?? this.defaultWindowMs;
  }

  private apply(pin: PinConfig, step: DebounceStep): void {
    this.states.set(pin.name, step.state);
    if (step.settleAtMs !== undefined && !this.timers.has(pin.name)) {
      const wait = Math.max(0, step.settleAtMs - this.world.now());
      this.timers.set(
        pin.name,
        this.world.setTimeout(() => {
          this.timers.delete(pin.name);
          const state = this.states.get(pin.name);
          if (state) this.apply(pin, debounceSettle(state, this.world.now(), this.windowOf(pin)));
        }, wait),
      );
    }
    if (step.emit !== undefined) this.emit(pin, step.emit);
  }

  /** Forgets every pin and cancels the pending windows (a backend switch starts afresh). */
  reset(): void {
    for (const h of this.timers.values()) this.world.clearTimeout(h);
    this.timers.clear();
    this.states.clear();
  }
}
