import type { Edge, EdgeSource } from '../../core/devices/device-port.js';

type EdgeListener = (edge: Edge) => void;

/**
 * GPIO edges as an EdgeSource, taken from the push path: the GPIO provider pushes each debounced
 * edge of an input as `{ 'gpio.<pin>': 0 | 1 }` (pushReadings), and the hub hands it to whoever
 * listens on that pin (gpio-counter), at once — before the journal has it, and also before the
 * node has begun, so no pulse is missed while the start finishes.
 */
export class EdgeHub implements EdgeSource {
  private readonly listeners = new Map<string, Set<EdgeListener>>();

  constructor(private readonly now: () => number = Date.now) {}

  onEdge(pin: string, cb: EdgeListener): () => void {
    let set = this.listeners.get(pin);
    if (!set) this.listeners.set(pin, (set = new Set()));
    set.add(cb);
    return () => void set.delete(cb);
  }

  /** Feeds pushed readings; `gpio.<pin>` values of 0 or 1 are edges of that pin. */
  fromReadings(values: Readonly<Record<string, number>>): void {
    const atMs = this.now();
    for (const [source, value] of Object.entries(values)) {
      if (!source.startsWith('gpio.') || (value !== 0 && value !== 1)) continue;
      const set = this.listeners.get(source.slice('gpio.'.length));
      if (set) for (const cb of [...set]) cb({ value, atMs });
    }
  }
}
