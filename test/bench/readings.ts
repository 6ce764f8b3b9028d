/**
 * Realistic `reading.sampled` data for the benchmarks: the eight system sources a Pi node samples,
 * as slowly varying, correlated random walks, rounded like the system provider rounds them.
 * Seeded, so every run writes the same bytes.
 */
import { prng } from '../helpers/prng.js';

export const SOURCES = [
  'system.cpu_temp',
  'system.cpu_freq',
  'system.load_1',
  'system.load_5',
  'system.load_15',
  'system.cpu_usage',
  'system.mem_used',
  'system.mem_available',
] as const;

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** One sampling tick per call: source → value, 1 s of simulated time apart. */
export class ReadingSimulator {
  private readonly rand: () => number;
  private busy = 0.3; // fraction of one core in use, drifts slowly
  private load1 = 0.5;
  private load5 = 0.5;
  private load15 = 0.5;
  private temp = 46;
  private mem = 37;

  constructor(seed = 42) {
    this.rand = prng(seed);
  }

  next(): Record<string, number> {
    const r = this.rand;
    this.busy = clamp(this.busy + (r() - 0.5) * 0.04 + (0.3 - this.busy) * 0.002, 0.02, 2);
    const usage = clamp((this.busy / 4) * 100 + (r() - 0.5) * 6, 0, 100);
    // Load averages are exponentially damped over 1, 5 and 15 minutes.
    const runnable = this.busy + (r() < 0.1 ? 1 : 0);
    this.load1 += (runnable - this.load1) * (1 - Math.exp(-1 / 60));
    this.load5 += (runnable - this.load5) * (1 - Math.exp(-1 / 300));
    this.load15 += (runnable - this.load15) * (1 - Math.exp(-1 / 900));
    this.temp += (42 + this.busy * 12 - this.temp) * 0.01 + (r() - 0.5) * 0.3;
    this.mem = clamp(this.mem + (r() - 0.5) * 0.05, 20, 90);
    const freq = usage > 40 ? 1800 : usage > 10 ? 1500 : 600;
    return {
      'system.cpu_temp': round(this.temp, 1),
      'system.cpu_freq': freq,
      'system.load_1': round(this.load1, 2),
      'system.load_5': round(this.load5, 2),
      'system.load_15': round(this.load15, 2),
      'system.cpu_usage': round(usage, 1),
      'system.mem_used': round(this.mem, 1),
      'system.mem_available': Math.round(3906 * (1 - this.mem / 100)),
    };
  }
}

/** A simulated wall clock for the journal's HLC: `set` it to the tick's time before appending. */
export class SimulatedTime {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  readonly now = (): number => this.ms;
}
