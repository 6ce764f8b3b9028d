/**
 * Hybrid logical clock (Kulkarni et al. 2014). A timestamp is (wall ms, counter), written as a
 * 16-hex-digit string: 12 digits of wall milliseconds, 4 of counter. The string sorts
 * lexicographically in time order, survives JSON, and decodes with two parseInt calls.
 *
 * Time is injected (`now`), so tests can pin it, jump it backwards, or boot it at 1970.
 */
export type Hlc = string;

export const HLC_ZERO: Hlc = '0000000000000000';
const MAX_COUNTER = 0xffff;

export interface HlcParts {
  readonly wall: number;
  readonly counter: number;
}

/** Encodes (wall, counter) as an Hlc string. */
export function encodeHlc(wall: number, counter: number): Hlc {
  return wall.toString(16).padStart(12, '0') + counter.toString(16).padStart(4, '0');
}

/** Decodes an Hlc string into its parts. */
export function decodeHlc(hlc: Hlc): HlcParts {
  return { wall: parseInt(hlc.slice(0, 12), 16), counter: parseInt(hlc.slice(12), 16) };
}

/** Wall-clock milliseconds of an Hlc. */
export function hlcWall(hlc: Hlc): number {
  return parseInt(hlc.slice(0, 12), 16);
}

/** True when `s` is a well-formed Hlc string. */
export function isHlc(s: unknown): s is Hlc {
  return typeof s === 'string' && /^[0-9a-f]{16}$/.test(s);
}

/** ISO time of an Hlc for people; the counter is appended when non-zero. */
export function hlcToIso(hlc: Hlc): string {
  const { wall, counter } = decodeHlc(hlc);
  const iso = new Date(wall).toISOString();
  return counter === 0 ? iso : `${iso}+${counter}`;
}

/** Something the clock noticed about physical time that a person should know. */
export interface ClockJump {
  readonly kind: 'backward' | 'forward';
  /** Physical time before and after the jump (ms). */
  readonly from: number;
  readonly to: number;
}

/** A remote timestamp that was too far ahead to follow. */
export interface ClockSkew {
  readonly remote: Hlc;
  readonly aheadMs: number;
  /** Whose timestamp it was (an origin), when the caller said. */
  readonly source?: string;
  /** Our physical time when it was observed (ms). */
  readonly physical: number;
}

/** A source that was reported skewed is within maxOffset again. */
export interface ClockSkewCleared {
  readonly source: string;
  readonly remote: Hlc;
  readonly aheadMs: number;
}

export interface HlcClockOptions {
  /** Physical time source, ms since epoch. */
  readonly now?: () => number;
  /** Remote timestamps further ahead than this (ms) do not move the local clock. */
  readonly maxOffsetMs?: number;
  /** Physical time jumping forward by more than this between two readings is reported. */
  readonly forwardJumpMs?: number;
  /** Physical time going backwards by more than this is reported. */
  readonly backwardJumpMs?: number;
  /** The last timestamp this node ever issued (persisted); the clock never goes below it. */
  readonly floor?: Hlc;
  readonly onJump?: (jump: ClockJump) => void;
  /**
   * A remote timestamp more than maxOffsetMs ahead. With a `source`, reported once when that source
   * crosses the limit and not again until it has come back under (onSkewCleared) and crossed again;
   * without one, every time. Called inside observe(): do not append to the journal synchronously.
   */
  readonly onSkew?: (skew: ClockSkew) => void;
  readonly onSkewCleared?: (cleared: ClockSkewCleared) => void;
}

/** A hybrid logical clock: monotonic even when physical time goes backwards or starts at 1970. */
export class HlcClock {
  private wall = 0;
  private counter = 0;
  private lastPhysical: number | undefined;
  private readonly now: () => number;
  private readonly forwardJumpMs: number;
  private readonly backwardJumpMs: number;
  private readonly onJump: ((jump: ClockJump) => void) | undefined;
  private readonly onSkew: ((skew: ClockSkew) => void) | undefined;
  private readonly onSkewCleared: ((cleared: ClockSkewCleared) => void) | undefined;
  /** Sources whose last observed timestamp was too far ahead (a handful of origins at most). */
  private readonly skewed = new Set<string>();
  /** Remote timestamps further ahead than this (ms) are not followed. */
  readonly maxOffsetMs: number;

  constructor(options: HlcClockOptions = {}) {
    this.now = options.now ?? Date.now;
    this.maxOffsetMs = options.maxOffsetMs ?? 60_000;
    this.forwardJumpMs = options.forwardJumpMs ?? 3_600_000;
    this.backwardJumpMs = options.backwardJumpMs ?? 1_000;
    this.onJump = options.onJump;
    this.onSkew = options.onSkew;
    this.onSkewCleared = options.onSkewCleared;
    if (options.floor) this.raiseTo(options.floor);
  }

  /** The last timestamp issued or observed (never goes backwards). */
  get last(): Hlc {
    return encodeHlc(this.wall, this.counter);
  }

  /** Never issue anything at or below `hlc` (used for the persisted floor and our own replayed events). */
  raiseTo(hlc: Hlc): void {
    const { wall, counter } = decodeHlc(hlc);
    if (wall > this.wall || (wall === this.wall && counter > this.counter)) {
      this.wall = wall;
      this.counter = counter;
    }
  }

  /** A new timestamp for a local event. */
  tick(): Hlc {
    const physical = this.readPhysical();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      this.bumpCounter();
    }
    return encodeHlc(this.wall, this.counter);
  }

  /** Physical time now (ms), without jump detection: e.g. when events were received. */
  physicalNow(): number {
    return this.now();
  }

  /** Marks a source as already reported skewed (e.g. as persisted before a restart), so it is not reported again. */
  markSkewed(source: string): void {
    this.skewed.add(source);
  }

  /**
   * Merge a remote timestamp (receive event). A remote more than maxOffset ahead of physical time
   * is reported and not followed; the event carrying it is still stored by the caller. Returns the
   * skew when it was too far ahead (reported or not), else undefined.
   */
  observe(remote: Hlc, source?: string): ClockSkew | undefined {
    const physical = this.readPhysical();
    const r = decodeHlc(remote);
    const aheadMs = r.wall - physical;
    if (aheadMs > this.maxOffsetMs) {
      const skew: ClockSkew = { remote, aheadMs, physical, ...(source !== undefined ? { source } : {}) };
      if (source === undefined || !this.skewed.has(source)) {
        if (source !== undefined) this.skewed.add(source);
        this.onSkew?.(skew);
      }
      return skew;
    }
    if (source !== undefined && this.skewed.delete(source)) this.onSkewCleared?.({ source, remote, aheadMs });
    const wall = Math.max(this.wall, r.wall, physical);
    if (wall === this.wall && wall === r.wall) this.counter = Math.max(this.counter, r.counter) + 1;
    else if (wall === this.wall) this.counter += 1;
    else if (wall === r.wall) this.counter = r.counter + 1;
    else this.counter = 0;
    this.wall = wall;
    if (this.counter > MAX_COUNTER) this.carry();
    return undefined;
  }

  private bumpCounter(): void {
    this.counter += 1;
    if (this.counter > MAX_COUNTER) this.carry();
  }

  /** Counter overflow borrows one millisecond: still monotonic, only slightly ahead of real time. */
  private carry(): void {
    this.wall += 1;
    this.counter = 0;
  }

  private readPhysical(): number {
    const physical = this.now();
    const before = this.lastPhysical;
    this.lastPhysical = physical;
    if (before !== undefined && this.onJump) {
      if (before - physical > this.backwardJumpMs) this.onJump({ kind: 'backward', from: before, to: physical });
      else if (physical - before > this.forwardJumpMs) this.onJump({ kind: 'forward', from: before, to: physical });
    }
    return physical;
  }
}
