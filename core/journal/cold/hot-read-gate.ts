/**
 * Keeps the mover from deleting hot entries under a read that decided, before the boundary moved,
 * that a position was hot. A read enters around its decision and its LevelDB call (iterators take
 * their snapshot when created, so it leaves right after creating one); the mover waits until every
 * read that entered before the boundary moved has left. Later reads see the new boundary.
 */
export class HotReadGate {
  private epoch = 0;
  private readonly counts = new Map<number, number>();
  private waiters: Array<() => void> = [];

  /** Marks a read as started; pass the result to `leave`. */
  enter(): number {
    this.counts.set(this.epoch, (this.counts.get(this.epoch) ?? 0) + 1);
    return this.epoch;
  }

  leave(epoch: number): void {
    const n = (this.counts.get(epoch) ?? 1) - 1;
    if (n > 0) this.counts.set(epoch, n);
    else this.counts.delete(epoch);
    if (this.counts.size === 0 || ![...this.counts.keys()].some((e) => e < this.epoch)) {
      const w = this.waiters;
      this.waiters = [];
      for (const wake of w) wake();
    }
  }

  /** Resolves once every read that entered before this call has left. */
  async quiesce(): Promise<void> {
    const before = this.epoch++;
    while ([...this.counts.keys()].some((e) => e <= before)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs `fn` as one read. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const e = this.enter();
    try {
      return await fn();
    } finally {
      this.leave(e);
    }
  }
}
