import type { RollupPoint, SeriesSnapshot } from './observer-port.js';

/**
 * Statistics the observer falls back on when no model is reachable (and feeds the model as
 * context when one is): per-series window summary, trend, and the hourly baseline.
 */

export interface SeriesStats {
  readonly source: string;
  readonly label: string | null;
  readonly unit: string | null;
  readonly deviceClass?: string | null;
  readonly binary?: boolean;
  readonly n: number;
  readonly first: number;
  readonly last: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Least-squares slope of the minute means, per hour. */
  readonly slopePerHour: number;
  /** Fit quality of that slope (0..1). */
  readonly r2: number;
  /** Span of the window's points (ms). */
  readonly spanMs: number;
  readonly baseline: Baseline | null;
  /** True for a counter that only counts time (uptime): its rise says nothing. */
  readonly clockLike: boolean;
}

/** The series over the hours before the window. */
export interface Baseline {
  readonly hours: number;
  /** Mean and spread of the hourly means. */
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  /** Typical range within one hour. */
  readonly hourlyRange: number;
}

export type FindingKind = 'trend' | 'excursion' | 'anomaly';

export interface Finding {
  readonly kind: FindingKind;
  readonly source: string;
  readonly text: string;
  readonly confidence: number;
  /** For ranking: how far beyond the threshold (≥ 1). */
  readonly severity: number;
}

/** Summary of a series over the window; undefined when it has no reading there. */
export function seriesStats(s: SeriesSnapshot): SeriesStats | undefined {
  const pts = s.window.filter((p) => p.count > 0);
  if (pts.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const p of pts) {
    min = Math.min(min, p.min);
    max = Math.max(max, p.max);
    sum += p.mean * p.count;
    count += p.count;
  }
  const { slope, r2 } = fit(pts);
  const slopePerHour = slope * 3_600_000;
  const first = pts[0]!.mean;
  const last = s.latest ?? pts.at(-1)!.mean;
  const spanMs = pts.length > 1 ? pts.at(-1)!.start - pts[0]!.start : 0;
  return {
    source: s.source, label: s.label, unit: s.unit, ...(s.deviceClass ? { deviceClass: s.deviceClass } : {}), ...(s.binary ? { binary: true } : {}), n: count, first, last, min, max, mean: sum / count,
    slopePerHour, r2, spanMs, baseline: baseline(s.baseline),
    // One second per second: a clock, not a measurement.
    clockLike: s.unit === 's' && pts.length > 1 && Math.abs(slopePerHour - 3600) < 36,
  };
}

function baseline(points: readonly RollupPoint[]): Baseline | null {
  const pts = points.filter((p) => p.count > 0);
  if (pts.length < 3) return null;
  const means = pts.map((p) => p.mean);
  const mean = means.reduce((a, b) => a + b, 0) / means.length;
  const sd = Math.sqrt(means.reduce((a, b) => a + (b - mean) ** 2, 0) / (means.length - 1));
  return {
    hours: pts.length, mean, sd,
    min: Math.min(...pts.map((p) => p.min)),
    max: Math.max(...pts.map((p) => p.max)),
    hourlyRange: pts.reduce((a, p) => a + (p.max - p.min), 0) / pts.length,
  };
}

function fit(pts: readonly RollupPoint[]): { slope: number; r2: number } {
  if (pts.length < 2) return { slope: 0, r2: 0 };
  const t0 = pts[0]!.start;
  const xs = pts.map((p) => p.start - t0);
  const ys = pts.map((p) => p.mean);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0) return { slope: 0, r2: 0 };
  const slope = sxy / sxx;
  return { slope, r2: syy === 0 ? 0 : (sxy * sxy) / (sxx * syy) };
}

/** The noise scale a change is measured against: the baseline's spread, else a small share of the level. */
export function noiseScale(st: SeriesStats): number {
  const b = st.baseline;
  const floor = Math.max(Math.abs(st.mean) * 0.02, 1e-6);
  if (!b) return Math.max(floor, (st.max - st.min) / 4);
  return Math.max(floor, b.sd, b.hourlyRange / 2);
}

/** Trends, excursions beyond the baseline's range, and anomalies against the hourly baseline, strongest first. */
export function findings(stats: readonly SeriesStats[], windowMinutes: number): Finding[] {
  const out: Finding[] = [];
  for (const st of stats) {
    if (st.clockLike) continue;
    const name = describe(st);
    const u = st.unit ? ` ${st.unit}` : '';
    const b = st.baseline;
    // Trend: a fitted change over the window clearly larger than the noise.
    const change = (st.slopePerHour * st.spanMs) / 3_600_000;
    const scale = noiseScale(st);
    if (st.spanMs > 0 && st.r2 >= 0.5 && Math.abs(change) >= 2 * scale) {
      out.push({
        kind: 'trend', source: st.source, severity: Math.abs(change) / (2 * scale),
        confidence: clamp(st.r2, 0.5, 0.95),
        text: `${name} ${change > 0 ? 'rose' : 'fell'} by ${fmt(Math.abs(change))}${u} over ${windowMinutes} min (${fmt(st.first)} → ${fmt(st.last)}${u}).`,
      });
    }
    if (!b) continue;
    // Excursion: the window reached beyond everything seen in the baseline hours.
    const above = st.max - b.max;
    const below = b.min - st.min;
    const margin = Math.max(scale * 0.5, 1e-9);
    if (above > margin || below > margin) {
      const up = above >= below;
      out.push({
        kind: 'excursion', source: st.source, severity: (up ? above : below) / margin,
        confidence: 0.9,
        text: `${name} reached ${fmt(up ? st.max : st.min)}${u}, ${up ? 'above' : 'below'} its range of the last ${b.hours} h (${fmt(b.min)}–${fmt(b.max)}${u}).`,
      });
    }
    // Anomaly: the window's mean far from the hourly means.
    const sd = Math.max(b.sd, scale * 0.25);
    const z = (st.mean - b.mean) / sd;
    if (Math.abs(z) >= 3) {
      out.push({
        kind: 'anomaly', source: st.source, severity: Math.abs(z) / 3,
        confidence: clamp(1 - 1 / (z * z), 0.6, 0.99),
        text: `${name} averaged ${fmt(st.mean)}${u} over ${windowMinutes} min, ${fmt(Math.abs(z))} σ ${z > 0 ? 'above' : 'below'} its hourly baseline (${fmt(b.mean)} ± ${fmt(b.sd)}${u}).`,
      });
    }
  }
  return out.sort((a, b) => b.severity - a.severity);
}

/**
 * How fast the sensors change compared with their usual pace: the mean over series of the window's
 * range divided by its noise scale (capped at 3 per series). About 1 or more means "changing".
 */
export function activity(stats: readonly SeriesStats[]): number {
  const xs = stats.filter((s) => !s.clockLike).map((s) => Math.min(3, (s.max - s.min) / (2 * noiseScale(s))));
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export interface IntervalBounds {
  readonly baseMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** The next observer interval: halved while sensors change, ×1.5 while quiet, back toward the base otherwise. */
export function nextInterval(currentMs: number, act: number, bounds: IntervalBounds): number {
  const next = act >= 1 ? currentMs / 2 : act <= 0.3 ? currentMs * 1.5 : currentMs + (bounds.baseMs - currentMs) / 2;
  return Math.round(clamp(next, bounds.minMs, bounds.maxMs));
}

export function describe(st: Pick<SeriesStats, 'label' | 'source'>): string {
  return st.label ? `${st.label} (${st.source})` : st.source;
}

/** A number with about three significant digits, no exponent for everyday values. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000 || Number.isInteger(x)) return String(Math.round(x));
  if (a >= 100) return x.toFixed(1).replace(/\.0$/, '');
  if (a >= 1) return x.toFixed(2).replace(/\.?0+$/, '');
  return x.toPrecision(3).replace(/\.?0+$/, '');
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
