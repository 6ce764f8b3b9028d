/**
 * Memory pressure: the levels, their pure computation from samples (with hysteresis), and the
 * port other parts read (`memoryPressure` on the units' shelf). No I/O here: the samples come from
 * the readers in adapters/sensors/memory-readers.ts, the timer from the memory unit.
 */

/** From calm to the edge of the OOM killer; each level keeps what the one below it does. */
export const MEMORY_LEVELS = ['normal', 'elevated', 'high', 'critical'] as const;
export type MemoryLevel = (typeof MEMORY_LEVELS)[number];

/** One look at the process and the machine. A value that could not be read is absent, never 0. */
export interface MemorySample {
  /** Resident set of this process (VmRSS). */
  readonly rssBytes?: number;
  /** V8's live heap and its limit (`--max-old-space-size` plus the young generation). */
  readonly heapUsedBytes?: number;
  readonly heapLimitBytes?: number;
  /** /proc/meminfo. */
  readonly memTotalBytes?: number;
  readonly memAvailableBytes?: number;
  readonly swapTotalBytes?: number;
  readonly swapFreeBytes?: number;
  /** /proc/pressure/memory, percent of the last 10 s (absent on kernels without PSI). */
  readonly psiSomeAvg10?: number;
  readonly psiFullAvg10?: number;
}

/** Where one signal enters elevated, high and critical; `rising` tells which way is worse. */
export interface SignalThresholds {
  readonly enter: readonly [elevated: number, high: number, critical: number];
  /** A level is left only once the signal is this far back past its entry threshold. */
  readonly margin: number;
  readonly rising: boolean;
}

export interface MemoryThresholds {
  /** RSS ÷ budget. */
  readonly rss: SignalThresholds;
  /** V8 heap used ÷ heap limit. */
  readonly heap: SignalThresholds;
  /** MemAvailable ÷ MemTotal (falling is worse). */
  readonly available: SignalThresholds;
  /** PSI `some` avg10, percent: some task waited on memory. */
  readonly psiSome: SignalThresholds;
  /** PSI `full` avg10, percent: every task waited (thrashing). */
  readonly psiFull: SignalThresholds;
  /** Consecutive calmer samples before the level goes down (going up is immediate). */
  readonly downSamples: number;
}

/**
 * Why these figures: the RSS budget is what the node may use, so 75 % is worth a word in the log,
 * 90 % is where it must stop taking on work, and over budget it is the one to give back. V8 starts
 * full collections near its limit and dies with "heap out of memory" at it, so heap thresholds sit
 * higher. Below 10 % MemAvailable the kernel reclaims page cache (LevelDB's reads) and soon swaps;
 * PSI says directly that tasks stall on memory (the kernel documents avg10 as percent of time).
 * Margins of 10 points (RSS, heap), 3 points (available) and 5 (PSI) keep a signal that hovers on
 * a threshold from flapping; `downSamples` 3 (15 s at the default 5 s) does the same in time.
 */
export const DEFAULT_MEMORY_THRESHOLDS: MemoryThresholds = {
  rss: { enter: [0.75, 0.9, 1.0], margin: 0.1, rising: true },
  heap: { enter: [0.8, 0.9, 0.96], margin: 0.1, rising: true },
  available: { enter: [0.15, 0.1, 0.05], margin: 0.03, rising: false },
  psiSome: { enter: [10, 25, 50], margin: 5, rising: true },
  psiFull: { enter: [5, 10, 25], margin: 5, rising: true },
  downSamples: 3,
};

/** The signals of a sample (ratios and percents); a signal whose inputs are absent is absent. */
export interface MemorySignals {
  readonly rss?: number;
  readonly heap?: number;
  readonly available?: number;
  readonly psiSome?: number;
  readonly psiFull?: number;
}

/**
 * Whether the process was started to fit its budget: V8's heap limit (old space plus young
 * generation) is within it. A process whose heap may grow past the budget (no fitting
 * --max-old-space-size: a development run under tsx, a test runner, a hand-started node) cannot
 * hold its RSS to the budget, and its RSS then says nothing about the node: only the heap and the
 * machine's signals count. An unknown heap limit counts as fitting.
 */
export function budgetHeld(sample: MemorySample, budgetBytes: number): boolean {
  return sample.heapLimitBytes === undefined || sample.heapLimitBytes <= budgetBytes;
}

/** The ratios the thresholds apply to. */
export function signalsOf(sample: MemorySample, budgetBytes: number): MemorySignals {
  const out: { -readonly [K in keyof MemorySignals]: number } = {};
  if (sample.rssBytes !== undefined && budgetBytes > 0 && budgetHeld(sample, budgetBytes)) out.rss = sample.rssBytes / budgetBytes;
  if (sample.heapUsedBytes !== undefined && sample.heapLimitBytes) out.heap = sample.heapUsedBytes / sample.heapLimitBytes;
  if (sample.memAvailableBytes !== undefined && sample.memTotalBytes) out.available = sample.memAvailableBytes / sample.memTotalBytes;
  if (sample.psiSomeAvg10 !== undefined) out.psiSome = sample.psiSomeAvg10;
  if (sample.psiFullAvg10 !== undefined) out.psiFull = sample.psiFullAvg10;
  return out;
}

const rank = (level: MemoryLevel): number => MEMORY_LEVELS.indexOf(level);

/** The highest level whose threshold (entry, or entry minus margin when `hold`) the value reaches. */
function levelOf(value: number, t: SignalThresholds, hold: (level: number) => boolean): number {
  let level = 0;
  t.enter.forEach((enter, i) => {
    const shifted = hold(i + 1) ? (t.rising ? enter - t.margin : enter + t.margin) : enter;
    if (t.rising ? value >= shifted : value <= shifted) level = i + 1;
  });
  return level;
}

/** The level computation's state between samples. */
export interface LevelState {
  readonly level: MemoryLevel;
  /** Consecutive samples that asked for a lower level. */
  readonly calmer: number;
}

export const INITIAL_LEVEL_STATE: LevelState = { level: 'normal', calmer: 0 };

/**
 * The next level after a sample: up at once to the worst signal's level; down only when every
 * signal has fallen past its margin below the current level, for `downSamples` samples in a row.
 * Pure: the same state and sample give the same answer.
 */
export function nextLevel(state: LevelState, signals: MemorySignals, thresholds: MemoryThresholds = DEFAULT_MEMORY_THRESHOLDS): LevelState {
  const current = rank(state.level);
  // A level at or below the current one is held with the margin, so hovering does not flap.
  const hold = (level: number) => level <= current;
  let wanted = 0;
  for (const key of ['rss', 'heap', 'available', 'psiSome', 'psiFull'] as const) {
    const value = signals[key];
    if (value !== undefined && Number.isFinite(value)) wanted = Math.max(wanted, levelOf(value, thresholds[key], hold));
  }
  if (wanted >= current) return { level: MEMORY_LEVELS[wanted]!, calmer: 0 };
  const calmer = state.calmer + 1;
  if (calmer < thresholds.downSamples) return { level: state.level, calmer };
  return { level: MEMORY_LEVELS[wanted]!, calmer: 0 };
}

/** Whether `level` is at least `floor`. */
export function atLeast(level: MemoryLevel, floor: MemoryLevel): boolean {
  return rank(level) >= rank(floor);
}

/**
 * What parts of the node read: the current level, a subscription to its changes, and `paused()`
 * for bulk work (vector bulk builds, cold-history moves) that should wait while it is high.
 */
export interface MemoryPressurePort {
  level(): MemoryLevel;
  /** Called with each new level (not on subscribe); returns the unsubscribe. */
  onChange(listener: (level: MemoryLevel, previous: MemoryLevel) => void): () => void;
  /** True while the level is high or critical: bulk work should wait. */
  paused(): boolean;
}

/** For nodes and tests without a memory unit: always normal. */
export const NO_MEMORY_PRESSURE: MemoryPressurePort = {
  level: () => 'normal',
  onChange: () => () => undefined,
  paused: () => false,
};

/** What /api/health and the dashboard show. */
export interface MemoryStatus {
  readonly level: MemoryLevel;
  /** When the level last changed (ms). */
  readonly sinceMs: number;
  readonly budgetBytes: number;
  /** The last sample (absent values could not be read); undefined before the first. */
  readonly sample: MemorySample | undefined;
}

/** Holds the level and tells listeners when it changes; fed one sample at a time. */
export class MemoryPressureMonitor implements MemoryPressurePort {
  private state: LevelState = INITIAL_LEVEL_STATE;
  private readonly listeners = new Set<(level: MemoryLevel, previous: MemoryLevel) => void>();
  private lastSample: MemorySample | undefined;
  private sinceMs: number;

  constructor(
    readonly budgetBytes: number,
    private readonly options: {
      readonly thresholds?: MemoryThresholds;
      readonly now?: () => number;
      /** A listener threw (the others are still called). */
      readonly onListenerError?: (err: unknown) => void;
    } = {},
  ) {
    this.sinceMs = (options.now ?? Date.now)();
  }

  level(): MemoryLevel {
    return this.state.level;
  }

  paused(): boolean {
    return atLeast(this.state.level, 'high');
  }

  status(): MemoryStatus {
    return { level: this.state.level, sinceMs: this.sinceMs, budgetBytes: this.budgetBytes, sample: this.lastSample };
  }

  onChange(listener: (level: MemoryLevel, previous: MemoryLevel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes a sample; returns the new level when it changed. A listener that throws does not stop the others. */
  update(sample: MemorySample): MemoryLevel | undefined {
    this.lastSample = sample;
    const previous = this.state.level;
    this.state = nextLevel(this.state, signalsOf(sample, this.budgetBytes), this.options.thresholds);
    if (this.state.level === previous) return undefined;
    this.sinceMs = (this.options.now ?? Date.now)();
    for (const listener of [...this.listeners]) {
      try {
        listener(this.state.level, previous);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
    return this.state.level;
  }
}
