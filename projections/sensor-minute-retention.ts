import type { Emit } from '../core/projection/projection.js';
import { MINUTE, own, pad, put, seriesPrefix } from './sensor-keys.js';
import type { MinuteWindow, SensorsState, SourceState } from './sensors.js';

/**
 * Minute-bucket retention of the sensors projection: minute buckets are short-term statistics,
 * kept a window of days measured in each origin's own event time (the HLC wall of its readings,
 * never the clock of the machine that applies them, so a replay deletes exactly what the live
 * node deleted); hour buckets are long-term statistics, kept for ever.
 */

/**
 * Moves an origin's minute window forward to `from` (never back: a late event does not revive
 * what was deleted) and deletes the minute records of its sources that start before it. Runs
 * once per minute of the origin's event time, so the sweep over its sources stays cheap.
 */
export function advanceWindow(state: SensorsState, origin: string, sources: Record<string, SourceState>, from: number, minuteStart: number, emit: Emit): MinuteWindow {
  const w = own(state.minuteWindows, origin);
  if (w === undefined) return put(state.minuteWindows, origin, { from, first: minuteStart });
  if (minuteStart < w.first) w.first = minuteStart;
  if (from <= w.from) return w;
  w.from = from;
  for (const source in sources) {
    const s = sources[source]!;
    if (s.minute !== null && s.minute.start < from) s.minute = null; // never written, nothing to delete
    const first = s.minutes[0];
    if ((first === undefined || first[0] >= from) && s.lateMinutes.length === 0) continue;
    const prefix = seriesPrefix('m', origin, source);
    while (s.minutes.length > 0 && s.minutes[0]![0] < from) {
      const run = s.minutes[0]!;
      const end = Math.min(run[1], from - MINUTE);
      for (let m = run[0]; m <= end; m += MINUTE) emit(prefix + pad(m), undefined);
      if (run[1] < from) s.minutes.shift();
      else run[0] = end + MINUTE;
    }
    if (s.lateMinutes.some(([start]) => start < from)) {
      for (const [start, seq] of s.lateMinutes) if (start < from) emit(`${prefix}${pad(start)}/${seq}`, undefined);
      s.lateMinutes = s.lateMinutes.filter(([start]) => start >= from);
    }
  }
  return w;
}

/** Notes a closed minute record: it extends the last run of consecutive minutes or starts a new one. */
export function keepMinute(runs: Array<[number, number]>, start: number): void {
  const last = runs[runs.length - 1];
  if (last !== undefined && start === last[1] + MINUTE) last[1] = start;
  else runs.push([start, start]);
}

/** Where an origin's minute buckets start (ms), or null when none has aged out yet. */
export function minuteWindowStart(state: SensorsState, origin: string): number | null {
  const w = own(state.minuteWindows, origin);
  return w !== undefined && w.from > w.first ? w.from : null;
}

/** True when a range starting at `from` reaches before the minute buckets the origin still has. */
export function beforeMinuteWindow(state: SensorsState, origin: string, from: number): boolean {
  const start = minuteWindowStart(state, origin);
  return start !== null && from < start;
}
