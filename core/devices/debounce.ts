/**
 * Debouncing of a 0/1 input as pure functions of (state, what happened, when).
 *
 * Leading-edge with a trailing check: the first change after a quiet period is reported at once
 * (so a button press reaches the journal without waiting for the window), every change inside
 * the window that follows is only remembered, and when the window ends the level the line
 * settled on is reported if it differs from the last one reported. A contact that bounces for a
 * few milliseconds is therefore one edge, and a release shorter than the window is never lost:
 * it shows up as the settled level at the window's end.
 */

/** What a debouncer of one input remembers. */
export interface DebounceState {
  /** The last level reported (undefined before the first). */
  readonly reported: 0 | 1 | undefined;
  /** The last raw level seen. */
  readonly raw: 0 | 1 | undefined;
  /** Until when (ms) changes are only remembered; 0 when quiet. */
  readonly windowEndsMs: number;
}

/** The outcome of one step: the new state, a level to report now, and when to call settle next. */
export interface DebounceStep {
  readonly state: DebounceState;
  readonly emit?: 0 | 1;
  /** Call `debounceSettle` at this time (ms) to report the level the line settled on. */
  readonly settleAtMs?: number;
}

/** A debouncer that knows the level (e.g. read at start), so an edge to the same level is no change. */
export function debounceStart(level?: 0 | 1): DebounceState {
  return { reported: level, raw: level, windowEndsMs: 0 };
}

function report(state: DebounceState, level: 0 | 1, atMs: number, windowMs: number): DebounceStep {
  const windowEndsMs = atMs + windowMs;
  return { state: { reported: level, raw: level, windowEndsMs }, emit: level, ...(windowMs > 0 ? { settleAtMs: windowEndsMs } : {}) };
}

/** A raw edge (the line is now at `level`) at `atMs`; throws RangeError for a negative window. */
export function debounceEdge(state: DebounceState, level: 0 | 1, atMs: number, windowMs: number): DebounceStep {
  if (!(windowMs >= 0)) throw new RangeError(`debounce window must be >= 0 ms, got ${windowMs}`);
  if (atMs < state.windowEndsMs) {
    // Inside the window: remember only; settle (already scheduled) decides at the window's end.
    return { state: { ...state, raw: level }, settleAtMs: state.windowEndsMs };
  }
  if (level === state.reported) return { state: { ...state, raw: level } };
  return report(state, level, atMs, windowMs);
}

/** The window's end at `atMs`: reports the settled level if it differs from the last reported. */
export function debounceSettle(state: DebounceState, atMs: number, windowMs: number): DebounceStep {
  if (atMs < state.windowEndsMs) return { state, settleAtMs: state.windowEndsMs };
  if (state.raw === undefined || state.raw === state.reported) return { state: { ...state, windowEndsMs: 0 } };
  return report(state, state.raw, atMs, windowMs);
}

/** A raw edge of a sequence: the line went to `level` at `atMs`. */
export interface RawEdge {
  readonly atMs: number;
  readonly level: 0 | 1;
}

/**
 * The levels reported for a whole sequence of raw edges (sorted by time), settling every window
 * on time: what a debouncer driven by a real timer reports. Pure; for tests and the benchmark.
 */
export function debounceAll(edges: readonly RawEdge[], windowMs: number, start?: 0 | 1): RawEdge[] {
  const out: RawEdge[] = [];
  let state = debounceStart(start);
  let settleAt: number | undefined;
  const settleUntil = (t: number) => {
    while (settleAt !== undefined && settleAt <= t) {
      const at = settleAt;
      const step = debounceSettle(state, at, windowMs);
      state = step.state;
      settleAt = step.settleAtMs;
      if (step.emit !== undefined) out.push({ atMs: at, level: step.emit });
    }
  };
  for (const edge of edges) {
    settleUntil(edge.atMs);
    const step = debounceEdge(state, edge.level, edge.atMs, windowMs);
    state = step.state;
    if (step.settleAtMs !== undefined) settleAt = step.settleAtMs;
    if (step.emit !== undefined) out.push({ atMs: edge.atMs, level: step.emit });
  }
  settleUntil(Number.POSITIVE_INFINITY);
  return out;
}
