/** What the pressure gauge needs from the journal. */
export interface GrowingLog {
  lastPosition(): number;
}

/**
 * Tells whether the journal is being written in a storm: more than `stormEventsPerS` appended per
 * second, measured over windows of at least `windowMs`. A USB import or a burst of appends is a
 * storm; sensors writing a few events per second never are. The WebSocket work shares the writer's
 * thread and slows down while it lasts (see routes/ws.ts).
 */
export class WritePressure {
  private lastAt: number;
  private lastPosition: number;
  private storming_ = false;

  constructor(
    private readonly log: GrowingLog,
    private readonly stormEventsPerS: number,
    private readonly windowMs = 100,
    /** A window longer than this (ms) is not judged (callers pause at most stormPauseMs between asks). */
    private readonly staleMs = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastAt = now();
    this.lastPosition = log.lastPosition();
  }

  /** Whether the journal is written in a storm now. Cheap: call it as often as you like. */
  storming(): boolean {
    const at = this.now();
    const elapsed = at - this.lastAt;
    if (elapsed >= this.windowMs) {
      const position = this.log.lastPosition();
      // Nobody asked for a long while: the appends counted since may all lie far back (a storm
      // that ended before a dashboard connected), so this window only starts a new measurement.
      const stale = elapsed > this.staleMs;
      this.storming_ = !stale && ((position - this.lastPosition) * 1000) / elapsed > this.stormEventsPerS;
      this.lastAt = at;
      this.lastPosition = position;
    }
    return this.storming_;
  }
}
