/**
 * A producer that keeps writing at a steady rate while a test does something else (a node that
 * keeps sampling during an import, events that keep coming during reconnects). It is the
 * scenario's rate, driven by a timer, never a wait: tests wait for conditions with waitFor.
 * A write that is still running when the next tick comes skips that tick, so writes never overlap.
 */
export interface SteadyWriter {
  /** Writes done so far. */
  count(): number;
  /** Stops the timer and resolves once the write in progress (if any) has finished. */
  stop(): Promise<void>;
}

export function steadyWriter(write: (n: number) => Promise<void>, everyMs: number): SteadyWriter {
  let n = 0;
  let running: Promise<void> | undefined;
  let failure: unknown;
  const timer = setInterval(() => {
    if (running) return;
    running = write(n)
      .then(() => void n++, (err: unknown) => void (failure ??= err))
      .finally(() => (running = undefined));
  }, everyMs);
  return {
    count: () => n,
    async stop() {
      clearInterval(timer);
      await running;
      if (failure) throw failure;
    },
  };
}
