/**
 * Readings are the product, so request work gives way to sampling. While a sampling tick is due
 * (within `leadMs` of its time) or running, `whenIdle()` hands out a promise that resolves when the
 * tick has sampled and its reading is journaled; the HTTP layer awaits it before it starts a
 * request. With 32 API readers keeping the event loop busy, the sampler's timer fired up to 700 ms
 * late and ticks were lost (20 → 8 readings/s in test/bench/hardening-sampling.ts): parked
 * requests leave the loop free at the moment a tick is due.
 *
 * Pure: the sampler says when ticks are due and when they start and end; the caller bounds its
 * wait with a timer of its own. A tick running longer than `maxTickMs` (a hung provider) or overdue
 * by more than `maxLateMs` (a timer that never fires) stops holding requests back.
 */
export interface SamplingPriorityOptions {
  readonly now: () => number;
  /** Requests that arrive this close before a tick is due wait for it (default 10 ms). */
  readonly leadMs?: number;
  /** The longest a running tick holds requests back (default 1,000 ms). */
  readonly maxTickMs?: number;
  /** The longest a due tick whose timer has not fired holds requests back (default 250 ms). */
  readonly maxLateMs?: number;
}

export class SamplingPriority {
  private readonly dueAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly options: SamplingPriorityOptions) {}

  /** The next tick of `provider` is due at `at` (ms). */
  scheduled(provider: string, at: number): void {
    this.dueAt.set(provider, at);
  }

  /** `provider` no longer samples (the sampler stopped). */
  unscheduled(provider: string): void {
    this.dueAt.delete(provider);
    this.startedAt.delete(provider);
    this.releaseIfIdle();
  }

  /** A tick of `provider` began. */
  started(provider: string): void {
    this.startedAt.set(provider, this.options.now());
  }

  /** The tick of `provider` has sampled and journaled (or failed). */
  finished(provider: string): void {
    this.startedAt.delete(provider);
    this.releaseIfIdle();
  }

  /** Undefined when request work may go ahead now; else resolves when no tick is due or running. */
  whenIdle(): Promise<void> | undefined {
    if (!this.busy()) return undefined;
    if (!this.waiting) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  /** Whether a tick is due or running (bounded by maxTickMs). */
  busy(): boolean {
    const now = this.options.now();
    const lead = this.options.leadMs ?? 10;
    const maxTick = this.options.maxTickMs ?? 1000;
    const maxLate = this.options.maxLateMs ?? 250;
    for (const at of this.startedAt.values()) if (now - at <= maxTick) return true;
    for (const [provider, at] of this.dueAt) if (!this.startedAt.has(provider) && now >= at - lead && now - at <= maxLate) return true;
    return false;
  }

  private releaseIfIdle(): void {
    if (!this.waiting || this.busy()) return;
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve();
  }
}
