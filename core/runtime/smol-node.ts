import type { ClockJump } from '../clock/hlc.js';
import type { EventRegistry } from '../events/registry.js';
import type { Journal } from '../journal/journal.js';
import type { Projection } from '../projection/projection.js';
import { ProjectionRunner } from '../projection/runner.js';
import type { GpioMode, GpioPort, SensorProvider } from '../sensors/sensor-port.js';
import { Sampler, type SamplerSchedule } from './sampler.js';
import { realTimers, type Timers } from './timers.js';

export interface SmolNodeDeps {
  readonly journal: Journal;
  readonly registry: EventRegistry;
  readonly name: string;
  readonly role: 'llama' | 'alpaca';
  readonly software: string;
  /** Read models to keep up to date (sensors, nodes, …). */
  readonly projections: readonly Projection<any>[];
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
  private sampler: Sampler | undefined;
  private sealTimer: unknown;
  private readonly timers: Timers;
  private stopped = false;

  private constructor(private readonly deps: SmolNodeDeps) {
    this.timers = deps.timers ?? realTimers;
  }

  get journal(): Journal {
    return this.deps.journal;
  }

  get gpio(): GpioPort | undefined {
    return this.deps.gpio;
  }

  /** Starts projections, journals `node.started` and the sources, and begins sampling. */
  static async start(deps: SmolNodeDeps): Promise<SmolNode> {
    const node = new SmolNode(deps);
    for (const p of deps.projections) {
      const runner = new ProjectionRunner(deps.journal, p, deps.registry);
      node.runners.set(p.name, runner);
      await runner.start();
    }
    await deps.journal.append([
      { type: 'node.started', data: { name: deps.name, role: deps.role, publicKey: deps.journal.publicKey, software: deps.software } },
      ...node.sourceEvents(deps.schedules.map((s) => s.provider)),
    ]);
    node.sampler = new Sampler({
      journal: deps.journal,
      schedules: deps.schedules,
      ...(deps.sourceIntervalsMs ? { sourceIntervalsMs: deps.sourceIntervalsMs } : {}),
      timers: node.timers,
      now: deps.now ?? Date.now,
      onError: (provider, err) => deps.log?.('sensor provider failed', { provider, error: String(err) }),
    });
    node.sampler.start();
    node.sealTimer = node.timers.setInterval(() => void deps.journal.seal().catch(() => undefined), deps.sealIntervalMs);
    return node;
  }

  private sourceEvents(providers: readonly SensorProvider[]) {
    return providers.flatMap((p) =>
      p.sources().map((s) => ({
        type: 'source.registered' as const,
        data: {
          source: s.source,
          provider: s.provider,
          simulated: s.simulated,
          ...(s.unit ? { unit: s.unit } : {}),
          ...(s.label ? { label: s.label } : {}),
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
    await gpio.setMode(mode);
    await this.deps.journal.append([{ type: 'gpio.mode.changed', data: { mode, reason } }, ...this.sourceEvents([gpio])]);
  }

  /** Writes an output pin and journals it. Throws SMOL_GPIO_PIN_UNKNOWN, SMOL_GPIO_NOT_OUTPUT. */
  async writeGpio(pin: string, value: 0 | 1): Promise<void> {
    const gpio = this.deps.gpio;
    if (!gpio) throw new TypeError('this node has no GPIO');
    await gpio.write(pin, value);
    await this.deps.journal.appendOne('gpio.written', { pin, value, simulated: gpio.mode === 'simulated' });
  }

  /** Stops sampling, journals `node.stopped`, seals, commits projections. The journal stays open. */
  async stop(reason: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timers.clearInterval(this.sealTimer);
    await this.sampler?.stop();
    await this.deps.journal.appendOne('node.stopped', { reason });
    await this.deps.journal.seal();
    for (const r of this.runners.values()) {
      await r.caughtUp();
      await r.stop();
    }
  }
}
