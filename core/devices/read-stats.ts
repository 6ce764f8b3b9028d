import type { DeviceReadStats } from './device-port.js';

/** What one failed read was: a stable code (SMOL_DEVICE_READ_FAILED, SMOL_DEVICE_UNAVAILABLE, …) and why. */
export interface ReadFailure {
  readonly code: string;
  readonly message: string;
}

/** A change of a source between reading and failing, for the log (said once per change). */
export type ReadTransition =
  | { readonly kind: 'failing'; readonly source: string; readonly failure: ReadFailure }
  | { readonly kind: 'recovered'; readonly source: string; readonly failedFor: number };

/**
 * Counts of good and refused reads per source (DeviceReadStats). A platform records each read;
 * `lastError` is kept while the source fails and cleared by its next good read, so a device that
 * reads sanely again shows as recovered without anyone resetting it. Time is injected.
 */
export class ReadStatsBook {
  private readonly stats = new Map<string, { ok: number; failed: number; streak: number; lastError?: DeviceReadStats['lastError'] }>();

  constructor(private readonly now: () => number) {}

  private entry(source: string) {
    let e = this.stats.get(source);
    if (!e) this.stats.set(source, (e = { ok: 0, failed: 0, streak: 0 }));
    return e;
  }

  /** A good read; returns a `recovered` transition when the source had been failing. */
  ok(source: string): ReadTransition | undefined {
    const e = this.entry(source);
    e.ok += 1;
    const failedFor = e.streak;
    e.streak = 0;
    if (e.lastError === undefined) return undefined;
    delete e.lastError;
    return { kind: 'recovered', source, failedFor };
  }

  /** A refused read (absent from the sample); returns a `failing` transition on the first of a run. */
  fail(source: string, failure: ReadFailure): ReadTransition | undefined {
    const e = this.entry(source);
    e.failed += 1;
    e.streak += 1;
    const first = e.lastError === undefined;
    e.lastError = { code: failure.code, message: failure.message, atMs: this.now() };
    return first ? { kind: 'failing', source, failure } : undefined;
  }

  /** True while the source's latest read failed. */
  failing(source: string): boolean {
    return this.stats.get(source)?.lastError !== undefined;
  }

  snapshot(): ReadonlyMap<string, DeviceReadStats> {
    const out = new Map<string, DeviceReadStats>();
    for (const [source, e] of this.stats) out.set(source, { ok: e.ok, failed: e.failed, ...(e.lastError ? { lastError: e.lastError } : {}) });
    return out;
  }
}
