/**
 * A share of this thread's time for background work that must not slow what else runs on it
 * (the journal's writer shares the main thread with the WebSocket fan-out). A token bucket in
 * milliseconds: work records what it took with `spend`, which answers how long to pause so that,
 * beyond a small burst, the work stays within `share` of wall time while it is contended (when
 * nothing else wants the thread, the work runs at full speed).
 */
export class BusyBudget {
  private debt = 0;
  private last = performance.now();

  constructor(
    /** Share of wall time, 0 < share ≤ 1. */
    private readonly share: number,
    /** Whether the work competes with anything right now; work done while not is free. */
    private readonly contended: () => boolean = () => true,
    /** Busy milliseconds allowed in a burst before pauses start. */
    private readonly burstMs = 5,
  ) {
    if (!(share > 0 && share <= 1)) throw new RangeError(`busy share must be in (0, 1], got ${share}`);
  }

  /** Records `ms` of work; returns the pause (ms) before the next piece of work. */
  spend(ms: number): number {
    const now = performance.now();
    this.debt = Math.max(0, this.debt - (now - this.last) * this.share);
    this.last = now;
    if (!this.contended()) return 0;
    this.debt += ms;
    return this.debt > this.burstMs ? (this.debt - this.burstMs) / this.share : 0;
  }

  /** Runs `work`, records its time, and waits the pause it earned. */
  async run<T>(work: () => T): Promise<T> {
    const t0 = performance.now();
    const result = work();
    const pause = this.spend(performance.now() - t0);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    return result;
  }
}
