/**
 * Filters for device readings, in the ESPHome spirit: pure functions of (spec, state, value, now).
 * State is passed explicitly and time is injected, so a chain can be tested without a clock and
 * kept per source by whoever runs it (adapters/devices).
 */

/** One configured filter. Durations in ms, like every other interval in the config. */
export type FilterSpec =
  /** At most one value every `ms`: the first passes, later ones until `ms` have passed are held back. */
  | { readonly kind: 'throttle'; readonly ms: number }
  /** Only a change larger than `min` (absolute) from the last value it passed goes on. */
  | { readonly kind: 'delta'; readonly min: number }
  /** The median of the last `window` values, sent every `sendEvery`-th value. */
  | { readonly kind: 'median'; readonly window: number; readonly sendEvery: number }
  /** The mean of the last `window` values, sent every `sendEvery`-th value. */
  | { readonly kind: 'mean'; readonly window: number; readonly sendEvery: number }
  /** `value * slope + offset`: a linear calibration (fitted from points at config time: calibrate.ts). */
  | { readonly kind: 'calibrate'; readonly slope: number; readonly offset: number }
  /** Keeps values within [min, max]: clamped, or (`drop`) refused as a failed read. */
  | { readonly kind: 'clamp'; readonly min?: number; readonly max?: number; readonly drop: boolean }
  /**
   * Journal at least every `ms`, even when throttle or delta would hold the value back. Not a stage:
   * it applies to the chain's result, wherever it is listed.
   */
  | { readonly kind: 'heartbeat'; readonly ms: number };

export type FilterKind = FilterSpec['kind'];

/** What one stage made of a value: passed on (`pass`), held back, or refused (a failed read). */
export interface StageResult<S> {
  readonly state: S;
  readonly value: number;
  readonly pass: boolean;
  /** Why the value is not a measurement (clamp with drop): counted as a failed read, never journaled. */
  readonly refused?: string;
}
