import type { Journal } from '../journal/journal.js';
import type { SensorProvider } from '../sensors/sensor-port.js';
import type { Timers } from './timers.js';
import type { SamplingPriority } from './sampling-priority.js';

export interface SamplerSchedule {
  readonly provider: SensorProvider;
  /** How often the provider is sampled (ms). */
  readonly intervalMs: number;
}

export interface SamplerOptions {
  readonly journal: Journal;
  readonly schedules: readonly SamplerSchedule[];
  /** Per-source intervals (ms): such a source is journaled only when its own interval is due. */
  readonly sourceIntervalsMs?: Readonly<Record<string, number>>;
  readonly timers: Timers;
  readonly now: () => number;
  /** Told about a provider that failed as a whole (its sample is skipped, the loop goes on). */
  readonly onError?: (provider: string, err: unknown) => void;
  /** Told when ticks are due, start and end, so request work can give way (sampling-priority.ts). */
  readonly priority?: SamplingPriority;
}

/**
 * Samples each provider on its own interval and journals one `reading.sampled` per tick,
 * carrying every source read in that tick (one event per tick keeps the journal small).
 * A tick that is still running when the next is due is skipped, never stacked.
 */
export class Sampler {
  private handles: unknown[] = [];
  private readonly lastJournaled = new Map<string, number>();
  private readonly busy = new Set<string>();
  private inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(private readonly options: SamplerOptions) {}

  start(): void {
    const priority = this.options.priority;
    for (const { provider, intervalMs } of this.options.schedules) {
      void this.track(this.tick(provider));
      priority?.scheduled(provider.name, this.options.now() + intervalMs);
      this.handles.push(
        this.options.timers.setInterval(() => {
          // setInterval's next call comes one interval after this one, however late this one is.
          priority?.scheduled(provider.name, this.options.now() + intervalMs);
          void this.track(this.tick(provider));
        }, intervalMs),
      );
    }
  }

  /** Samples one provider now and journals what it read; resolves when durable. */
  async tick(provider: SensorProvider): Promise<void> {
    if (this.busy.has(provider.name)) return;
    this.busy.add(provider.name);
    this.options.priority?.started(provider.name);
    // With a readings window (journal.readingsCommitMs) the reading is stamped now and durable at
    // the window's end: the tick ends once it is stamped, so the next tick and parked requests do
    // not wait for the window. Without one the tick ends when its reading is durable, as before.
    const windowed = (this.options.journal.readingsWindowMs ?? 0) > 0;
    let held: Promise<unknown> | undefined;
    try {
      const sample = await provider.sample();
      const values = this.due(sample);
      if (Object.keys(values).length > 0) {
        const durable = this.options.journal.appendOne('reading.sampled', { values });
        if (windowed) held = durable;
        else await durable;
      }
    } catch (err) {
      this.options.onError?.(provider.name, err);
    } finally {
      this.busy.delete(provider.name);
      this.options.priority?.finished(provider.name);
    }
    if (!held) return;
    if (this.stopping) void this.options.journal.flush?.(); // stop() waits for it
    await held.catch((err: unknown) => this.options.onError?.(provider.name, err));
  }

  private due(sample: Record<string, number>): Record<string, number> {
    const intervals = this.options.sourceIntervalsMs;
    if (!intervals) return sample;
    const now = this.options.now();
    const out: Record<string, number> = {};
    for (const [source, value] of Object.entries(sample)) {
      const every = intervals[source];
      const last = this.lastJournaled.get(source);
      if (every !== undefined && last !== undefined && now - last < every) continue;
      this.lastJournaled.set(source, now);
      out[source] = value;
    }
    return out;
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** Stops the timers and waits for ticks in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const h of this.handles) this.options.timers.clearInterval(h);
    this.handles = [];
    for (const { provider } of this.options.schedules) this.options.priority?.unscheduled(provider.name);
    // Readings held for the journal's window are written now (and those of ticks still sampling
    // as they are stamped), so stopping does not wait for the window.
    await Promise.all([...this.inFlight, this.options.journal.flush?.()]);
  }
}
