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

/** One-shot timers and a clock that move only when the test says so (the unit registry's stop deadlines). */
export class ManualTimeouts {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; at: number; ms: number }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, at: this.now + ms, ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock on by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = until;
  }
}
