import type { ClockJump } from '../clock/hlc.js';
import type { EventRegistry } from '../events/registry.js';
import type { Journal } from '../journal/journal.js';
import type { Projection } from '../projection/projection.js';
import { ProjectionRunner, type RunnerOptions } from '../projection/runner.js';
import { ProjectionGroup } from '../projection/group.js';
import type { GpioMode, GpioPort, SensorProvider } from '../sensors/sensor-port.js';
import { Sampler, type SamplerSchedule } from './sampler.js';
import { SamplingPriority } from './sampling-priority.js';
import { realTimers, type Timers } from './timers.js';
import { ErrorCodes, SmolError, isSmolError, type ErrorCode } from '../errors.js';

/** What a journal answers while it cannot or will not write (write-guard.ts). */
const JOURNAL_REFUSALS: ReadonlySet<ErrorCode> = new Set([ErrorCodes.DISK_FULL, ErrorCodes.DISK_LOW, ErrorCodes.JOURNAL_WRITE_FAILED]);

export interface SmolNodeDeps {
  readonly journal: Journal;
  readonly registry: EventRegistry;
  readonly name: string;
  readonly role: 'llama' | 'alpaca';
  readonly software: string;
  /** Read models to keep up to date (sensors, nodes, …). */
  readonly projections: readonly Projection<any>[];
  /** How projections commit (config `projections`: commitIntervalMs, commitEvery). */
  readonly projectionOptions?: RunnerOptions;
  readonly schedules: readonly SamplerSchedule[];
  readonly gpio?: GpioPort;
  readonly sourceIntervalsMs?: Readonly<Record<string, number>>;
  /** Seal the feed at least this often (ms) even when fewer than sealEvery events were written. */
  readonly sealIntervalMs: number;
  readonly timers?: Timers;
  readonly now?: () => number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
}

/**
 * A running node: journals its start, keeps its projections current, samples its sensors, seals
 * its feed, and journals its stop. Everything it learns becomes an event first.
 */
export class SmolNode {
  readonly runners = new Map<string, ProjectionRunner<any>>();
  /** Feeds every runner from one journal subscription (a cold start reads the journal once). */
  private group: ProjectionGroup | undefined;
  private sampler: Sampler | undefined;
  /** Request work awaits `sampling.whenIdle()` so that API load cannot starve the sampler. */
  readonly sampling: SamplingPriority;
  private sealTimer: unknown;
  private readonly timers: Timers;
  private stopped = false;
  private began = false;

  private constructor(private readonly deps: SmolNodeDeps) {
    this.timers = deps.timers ?? realTimers;
    this.sampling = new SamplingPriority({ now: deps.now ?? Date.now });
  }

  get journal(): Journal {
    return this.deps.journal;
  }

  get gpio(): GpioPort | undefined {
    return this.deps.gpio;
  }

  /** Starts projections, journals `node.started` and the sources, and begins sampling. */
  static async start(deps: SmolNodeDeps): Promise<SmolNode> {
    const node = await SmolNode.create(deps);
    await node.begin();
    return node;
  }

  /**
   * Starts the projections and journals nothing, so that a start can still fail (a port taken)
   * without leaving a trace in the journal; `begin` journals `node.started` and samples.
   */
  static async create(deps: SmolNodeDeps): Promise<SmolNode> {
    const node = new SmolNode(deps);
    for (const p of deps.projections) node.runners.set(p.name, new ProjectionRunner(deps.journal, p, deps.registry, deps.projectionOptions));
    // Catch-up runs in the background: queries wait for it (runner.caughtUp), the start does not.
    node.group = new ProjectionGroup(deps.journal, [...node.runners.values()], { ...(deps.log ? { log: deps.log } : {}), ...(deps.now ? { now: deps.now } : {}) });
    await node.group.start();
    return node;
  }

  /** Journals `node.started` and the sources, and begins sampling and sealing. */
  async begin(): Promise<void> {
    const deps = this.deps;
    if (this.began || this.stopped) return;
    this.began = true;
    await deps.journal.append([
      { type: 'node.started', data: { name: deps.name, role: deps.role, publicKey: deps.journal.publicKey, software: deps.software } },
      ...this.sourceEvents(deps.schedules.map((s) => s.provider)),
    ]);
    this.sampler = new Sampler({
      journal: deps.journal,
      schedules: deps.schedules,
      ...(deps.sourceIntervalsMs ? { sourceIntervalsMs: deps.sourceIntervalsMs } : {}),
      timers: this.timers,
      now: deps.now ?? Date.now,
      priority: this.sampling,
      onError: (provider, err) => {
        // A journal that cannot write says so itself, once (the data-disk watcher); not every tick.
        if (isSmolError(err) && JOURNAL_REFUSALS.has(err.code)) return;
        deps.log?.('sensor provider failed', { provider, error: String(err) });
      },
    });
    this.sampler.start();
    this.sealTimer = this.timers.setInterval(() => void deps.journal.seal().catch(() => undefined), deps.sealIntervalMs);
  }

  private sourceEvents(providers: readonly SensorProvider[]) {
    return providers.flatMap((p) =>
      p.sources().map((s) => ({
        type: 'source.registered' as const,
        v: 2,
        data: {
          source: s.source,
          provider: s.provider,
          simulated: s.simulated,
          ...(s.unit ? { unit: s.unit } : {}),
          ...(s.label ? { label: s.label } : {}),
          // A GPIO pin reads 0/1; the system sensors are numeric (what the v1 upcast assumes too).
          binary: s.provider === 'gpio',
        },
      })),
    );
  }

  /** The runner of a projection by name; throws TypeError for one this node does not run. */
  runner<S>(name: string): ProjectionRunner<S> {
    const r = this.runners.get(name);
    if (!r) throw new TypeError(`no projection named ${name}`);
    return r as ProjectionRunner<S>;
  }

  /** Journals a physical clock jump the HLC noticed (the HLC itself stays monotonic). */
  reportClockJump(jump: ClockJump): void {
    if (this.stopped) return;
    void this.deps.journal.appendOne('clock.jumped', { kind: jump.kind, fromMs: jump.from, toMs: jump.to }).catch(() => undefined);
    this.deps.log?.('clock jumped', { kind: jump.kind, from: new Date(jump.from).toISOString(), to: new Date(jump.to).toISOString() });
  }

  /** Switches GPIO between hardware and simulation, journals it, and re-registers the pins' sources. */
  async setGpioMode(mode: GpioMode, reason: string): Promise<void> {
    const gpio = this.deps.gpio;
    if (!gpio) throw new TypeError('this node has no GPIO');
    this.assertWritable();
    await gpio.setMode(mode);
    await this.deps.journal.append([{ type: 'gpio.mode.changed', data: { mode, reason } }, ...this.sourceEvents([gpio])]);
  }

  /** A pin is not switched when its event cannot be journaled: nothing happens that the journal does not show. */
  private assertWritable(): void {
    const fault = this.deps.journal.writeFault?.();
    if (fault) throw new SmolError(fault.code, `the journal cannot write (${fault.message}); the pin was not changed`);
  }

  /** Writes an output pin and journals it. Throws SMOL_GPIO_PIN_UNKNOWN, SMOL_GPIO_NOT_OUTPUT, SMOL_DISK_FULL, SMOL_JOURNAL_WRITE_FAILED. */
  async writeGpio(pin: string, value: 0 | 1): Promise<void> {
    const gpio = this.deps.gpio;
    if (!gpio) throw new TypeError('this node has no GPIO');
    this.assertWritable();
    await gpio.write(pin, value);
    await this.deps.journal.appendOne('gpio.written', { pin, value, simulated: gpio.mode === 'simulated' });
  }

  /**
   * Stops sampling, journals `node.stopped`, seals, commits projections. The journal stays open.
   * A journal that cannot write (disk full) does not hold the stop up: `node.stopped` and the
   * final seal are given up with a log line; every step is bounded by `stepTimeoutMs`.
   */
  async stop(reason: string, stepTimeoutMs = 3000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearInterval(this.sealTimer);
    const step = (what: string, work: () => Promise<unknown>) => this.bounded(what, work, stepTimeoutMs);
    await step('stopping the sampler', () => this.sampler?.stop() ?? Promise.resolve());
    if (this.began) {
      await step('journaling node.stopped', () => this.deps.journal.appendOne('node.stopped', { reason }));
      await step('the final seal', () => this.deps.journal.seal());
    }
    await step('projections catching up', () => this.group?.caughtUp() ?? Promise.resolve());
    await step('committing projections', () => this.group?.stop() ?? Promise.resolve());
  }

  private async bounded(what: string, work: () => Promise<unknown>, ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
    try {
      const outcome = await Promise.race([work().then(() => 'done' as const), late]);
      if (outcome === 'late') this.deps.log?.(`stop: gave up ${what} after ${ms} ms`);
    } catch (err) {
      this.deps.log?.(`stop: gave up ${what}`, { code: isSmolError(err) ? err.code : undefined, error: String((err as Error)?.message ?? err) });
    } finally {
      clearTimeout(timer);
    }
  }
}
