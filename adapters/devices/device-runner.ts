/**
 * One configured device at run time: its platform's instance wrapped with what every device gets —
 * filters per source (core/devices/filters), read statistics, failures logged once then
 * rate-limited, creation retried until it works, and a SensorProvider face for the sampler.
 */
import type { DeviceInstance, DeviceReadStats, DeviceSourceInfo, EdgeSource, PushReadings } from '../../core/devices/device-port.js';
import { initialChain, runChain, type ChainState } from '../../core/devices/filters/chain.js';
import type { FilterSpec } from '../../core/devices/filters/filter.js';
import { ReadStatsBook, type ReadTransition } from '../../core/devices/read-stats.js';
import { ErrorCodes, isSmolError } from '../../core/errors.js';
import type { SensorProvider } from '../../core/sensors/sensor-port.js';
import type { I2cBus } from '../../core/devices/i2c-port.js';
import type { DeviceConfig } from './device-config.js';
import type { DeviceContext, DevicePlatform, DeviceTimers, ReadRecorder } from './platform.js';

/** How often a device whose `create` threw is tried again (ms). */
export const CREATE_RETRY_MS = 30_000;

const CHANNEL = /^[a-z0-9_]+$/;

export interface DeviceRunnerDeps {
  readonly config: DeviceConfig;
  readonly platform: DevicePlatform;
  readonly now: () => number;
  readonly timers: DeviceTimers;
  readonly dataDir: string;
  readonly sysRoot: string;
  i2cBus(bus: number): Promise<I2cBus>;
  readonly edges: EdgeSource | undefined;
  lastValue(source: string): Promise<number | undefined>;
  /** Rate-limited by key: the first line of a key at once, then at most one per window with a count. */
  readonly warn: ((key: string, fields: Record<string, unknown>, message: string) => void) & { clear(key: string): void };
  readonly info: (fields: Record<string, unknown>, message: string) => void;
  /** Told once the device exists (at start, or later after a failed create): journal its sources. */
  readonly onSources: (sources: readonly DeviceSourceInfo[]) => Promise<void>;
  /** The push path (pushReadings) for readings the device reports when they happen. */
  readonly push: PushReadings;
}

/** A device of the node: a SensorProvider for the sampler, with stats and health. */
export class DeviceRunner implements SensorProvider {
  private instance: DeviceInstance | undefined;
  private createError: { code: string; message: string } | undefined;
  private lastCreateMs = -Infinity;
  private creating: Promise<void> | undefined;
  private retryTimer: unknown;
  private readonly book: ReadStatsBook;
  private readonly chains = new Map<string, ChainState>();
  /** Sources the platform said read well in the current sample, judged after the filters. */
  private readonly pendingOk = new Set<string>();
  readonly intervalMs: number | undefined;

  constructor(private readonly deps: DeviceRunnerDeps) {
    this.book = new ReadStatsBook(deps.now);
    this.intervalMs = deps.config.intervalMs ?? deps.platform.defaultIntervalMs;
  }

  get name(): string {
    return this.deps.config.name;
  }

  get platformName(): string {
    return this.deps.platform.name;
  }

  /** Makes the device; a failure is logged and retried (on the next sample, or every CREATE_RETRY_MS for push-only devices). */
  async start(): Promise<void> {
    await this.tryCreate();
    if (!this.instance && this.intervalMs === undefined) {
      this.retryTimer = this.deps.timers.setInterval(() => void this.tryCreate(), CREATE_RETRY_MS);
    }
  }

  private tryCreate(): Promise<void> {
    this.creating ??= this.create().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async create(): Promise<void> {
    if (this.instance) return;
    const { config, platform } = this.deps;
    this.lastCreateMs = this.deps.now();
    try {
      const instance = await platform.create({ ...config, intervalMs: this.intervalMs }, this.context());
      this.instance = instance;
      if (this.createError) this.deps.info({ device: config.name }, `device ${config.name} is there now`);
      this.createError = undefined;
      this.deps.warn.clear(`${config.name}:create`);
      if (this.retryTimer !== undefined) this.deps.timers.clearInterval(this.retryTimer);
      instance.attach?.((values) => this.pushed(values));
      await this.deps.onSources(instance.sources());
    } catch (err) {
      this.createError = { code: isSmolError(err) ? err.code : ErrorCodes.DEVICE_UNAVAILABLE, message: (err as Error)?.message ?? String(err) };
      this.deps.warn(`${config.name}:create`, { device: config.name, platform: platform.name, code: this.createError.code, err }, `device ${config.name} (${platform.name}) could not be set up: ${this.createError.message}; trying again`);
    }
  }

  private context(): DeviceContext {
    const name = this.deps.config.name;
    const recorder: ReadRecorder = {
      ok: (source) => void this.pendingOk.add(source),
      fail: (source, code, message) => {
        this.pendingOk.delete(source);
        this.note(this.book.fail(source, { code, message }), code, message, source);
      },
      stats: () => this.book.snapshot(),
    };
    return {
      name,
      now: this.deps.now,
      timers: this.deps.timers,
      dataDir: this.deps.dataDir,
      sysRoot: this.deps.sysRoot,
      i2cBus: (bus) => this.deps.i2cBus(bus),
      sourceId: (channel) => {
        if (!CHANNEL.test(channel)) throw new TypeError(`device ${name}: channel ${JSON.stringify(channel)} is not lowercase letters, digits and _`);
        return `${name}.${channel}`;
      },
      reads: recorder,
      edges: this.deps.edges,
      lastValue: (source) => this.deps.lastValue(source),
      log: (message, fields) => this.deps.info({ device: name, ...fields }, message),
    };
  }

  /** Logs a change between reading and failing; repeated failures go through the rate limit. */
  private note(t: ReadTransition | undefined, code: string, message: string, source: string): void {
    const key = `${this.name}:${source}`;
    if (t?.kind === 'recovered') {
      this.deps.warn.clear(key);
      this.deps.info({ device: this.name, source, failedReads: t.failedFor }, `${source} reads again after ${t.failedFor} failed read(s)`);
      return;
    }
    this.deps.warn(key, { device: this.name, source, code }, `${source} read failed (${code}): ${message}`);
  }

  private filtersOf(source: string): readonly FilterSpec[] {
    const channel = source.startsWith(`${this.name}.`) ? source.slice(this.name.length + 1) : source;
    return this.deps.config.sourceFilters[channel] ?? this.deps.config.filters;
  }

  /** Runs values through each source's filters, and settles the reads the platform called good. */
  private filter(values: Record<string, number>): Record<string, number> {
    const now = this.deps.now();
    const out: Record<string, number> = {};
    for (const [source, value] of Object.entries(values)) {
      if (!Number.isFinite(value)) {
        this.pendingOk.delete(source);
        this.note(this.book.fail(source, { code: ErrorCodes.DEVICE_READ_FAILED, message: `not a number (${value})` }), ErrorCodes.DEVICE_READ_FAILED, `not a number (${value})`, source);
        continue;
      }
      const specs = this.filtersOf(source);
      if (specs.length === 0) {
        out[source] = value;
        continue;
      }
      const r = runChain(specs, this.chains.get(source) ?? initialChain(specs), value, now);
      this.chains.set(source, r.state);
      if (r.refused !== undefined) {
        this.pendingOk.delete(source);
        const message = `refused by a filter: ${r.refused}`;
        this.note(this.book.fail(source, { code: ErrorCodes.DEVICE_READ_FAILED, message }), ErrorCodes.DEVICE_READ_FAILED, message, source);
      } else if (r.out !== undefined) out[source] = r.out;
    }
    for (const source of this.pendingOk) {
      const t = this.book.ok(source);
      if (t) this.note(t, '', '', source);
    }
    this.pendingOk.clear();
    return out;
  }

  private pushed(values: Record<string, number>): Promise<void> {
    const out = this.filter(values);
    return Object.keys(out).length > 0 ? this.deps.push(out) : Promise.resolve();
  }

  sources(): readonly DeviceSourceInfo[] {
    return this.instance?.sources() ?? [];
  }

  /** One sample, filtered. Never throws: a platform that throws is a failed read of all its sources. */
  async sample(): Promise<Record<string, number>> {
    if (!this.instance) {
      if (this.deps.now() - this.lastCreateMs >= Math.min(CREATE_RETRY_MS, this.intervalMs ?? CREATE_RETRY_MS)) await this.tryCreate();
      if (!this.instance) return {};
    }
    let raw: Record<string, number>;
    try {
      raw = await this.instance.sample();
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.DEVICE_READ_FAILED;
      for (const s of this.instance.sources()) {
        this.pendingOk.delete(s.source);
        this.note(this.book.fail(s.source, { code, message: (err as Error)?.message ?? String(err) }), code, (err as Error)?.message ?? String(err), s.source);
      }
      raw = {};
    }
    return this.filter(raw);
  }

  stats(): ReadonlyMap<string, DeviceReadStats> {
    return this.book.snapshot();
  }

  /** Why the device is not reading, if it is not: it could not be made, or a source's latest read failed. */
  problem(): { code: string; message: string } | undefined {
    if (this.createError) return this.createError;
    for (const [source, s] of this.book.snapshot()) if (s.lastError) return { code: s.lastError.code, message: `${source}: ${s.lastError.message}` };
    return undefined;
  }

  async close(): Promise<void> {
    if (this.retryTimer !== undefined) this.deps.timers.clearInterval(this.retryTimer);
    await this.creating?.catch(() => undefined);
    await this.instance?.close?.();
  }
}
