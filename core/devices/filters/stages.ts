import type { FilterSpec, StageResult } from './filter.js';

/** Per-stage state; undefined before the first value. Plain data, so it can be copied and compared. */
export type StageState =
  | { readonly kind: 'throttle'; readonly lastPassMs: number }
  | { readonly kind: 'delta'; readonly lastPassed: number }
  | { readonly kind: 'window'; readonly values: readonly number[]; readonly seen: number }
  | undefined;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/** One stage of a chain (every kind but heartbeat, which the chain applies to its result). */
export function stepStage(spec: Exclude<FilterSpec, { kind: 'heartbeat' }>, state: StageState, value: number, nowMs: number): StageResult<StageState> {
  switch (spec.kind) {
    case 'throttle': {
      const last = state?.kind === 'throttle' ? state.lastPassMs : undefined;
      if (last !== undefined && nowMs - last < spec.ms) return { state, value, pass: false };
      return { state: { kind: 'throttle', lastPassMs: nowMs }, value, pass: true };
    }
    case 'delta': {
      const last = state?.kind === 'delta' ? state.lastPassed : undefined;
      if (last !== undefined && Math.abs(value - last) <= spec.min) return { state, value, pass: false };
      return { state: { kind: 'delta', lastPassed: value }, value, pass: true };
    }
    case 'median':
    case 'mean': {
      const prev = state?.kind === 'window' ? state : { values: [], seen: 0 };
      const values = [...prev.values, value].slice(-spec.window);
      const seen = prev.seen + 1;
      const next: StageState = { kind: 'window', values, seen };
      const out = spec.kind === 'median' ? median(values) : mean(values);
      // The first value is sent at once (a window that is filling), then every sendEvery-th.
      return { state: next, value: out, pass: seen === 1 || (seen - 1) % spec.sendEvery === 0 };
    }
    case 'calibrate':
      return { state, value: value * spec.slope + spec.offset, pass: true };
    case 'clamp': {
      const below = spec.min !== undefined && value < spec.min;
      const above = spec.max !== undefined && value > spec.max;
      if (!below && !above) return { state, value, pass: true };
      if (spec.drop) return { state, value, pass: false, refused: `${value} is outside [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]` };
      return { state, value: below ? spec.min! : spec.max!, pass: true };
    }
  }
}
