import type { Timers } from '../../core/runtime/timers.js';

/** Timers that fire only when the test says so. */
export class ManualTimers implements Timers {
  private next = 1;
  readonly intervals = new Map<number, { fn: () => void; ms: number }>();

  setInterval(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.intervals.set(id, { fn, ms });
    return id;
  }

  clearInterval(handle: unknown): void {
    this.intervals.delete(handle as number);
  }

  /** Fires every interval of the given period once. */
  fire(ms: number): void {
    for (const i of [...this.intervals.values()]) if (i.ms === ms) i.fn();
  }
}
