/**
 * `gpio-counter`: pulses on a GPIO input (rain gauges, water and energy meters) counted from the
 * GPIO backend's edge events, reported each interval as a rate per minute and a running total,
 * both times `multiplier` (units per pulse). The total survives a restart: it continues from the
 * latest `<name>.total` this node journaled, as the sensors projection holds it (derived from the
 * journal). Pulses counted after the last journaled total and before a stop are lost (at most one
 * interval's worth), like a reading in the journal's readings window.
 */
import { z } from 'zod';
import type { DeviceInstance, DeviceSourceInfo } from '../../../core/devices/device-port.js';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import { definePlatform, type DeviceConfigOf, type DeviceContext } from '../platform.js';

const schema = z
  .object({
    pin: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected the name of a GPIO input in sensors.gpio.pins').describe('the GPIO input (its name in sensors.gpio.pins)'),
    edge: z.enum(['falling', 'rising', 'both']).default('falling').describe('which edges are pulses'),
    multiplier: z.number().positive().refine(Number.isFinite, 'must be finite').default(1).describe('units per pulse, e.g. 0.2794 (mm of rain per tip)'),
    unit: z.string().min(1).max(16).default('pulses').describe('unit of the total; the rate is <unit>/min'),
    deviceClass: z.string().min(1).optional().describe('Home Assistant class of the total: precipitation, water, gas, energy, …'),
  })
  .strict();

type Config = DeviceConfigOf<typeof schema>;

/** A pulse counter on a GPIO edge source. */
export class GpioCounter implements DeviceInstance {
  readonly provider: string;
  private pulses = 0;
  private total: number | undefined;
  private lastSampleMs: number;
  private unsubscribe: (() => void) | undefined;
  private readonly totalId: string;
  private readonly rateId: string;

  constructor(
    private readonly config: Config,
    private readonly ctx: DeviceContext,
  ) {
    this.provider = config.name;
    this.totalId = ctx.sourceId('total');
    this.rateId = ctx.sourceId('rate');
    this.lastSampleMs = ctx.now();
  }

  get name(): string {
    return this.config.name;
  }
  get device(): string {
    return this.config.name;
  }
  get platform(): string {
    return 'gpio-counter';
  }
  get intervalMs(): number | undefined {
    return this.config.intervalMs;
  }

  /** Continues the total from the journal and subscribes to the pin's edges (retried each sample until it works). */
  async open(): Promise<void> {
    const last = await this.ctx.lastValue(this.totalId);
    this.total = last !== undefined && Number.isFinite(last) && last >= 0 ? last : 0;
    this.subscribe();
  }

  private subscribe(): boolean {
    if (this.unsubscribe) return true;
    const edges = this.ctx.edges;
    if (!edges) return false;
    const want = this.config.edge;
    this.unsubscribe = edges.onEdge(this.config.pin, (e) => {
      if (want === 'both' || (want === 'rising') === (e.value === 1)) this.pulses += 1;
    });
    return true;
  }

  sources(): DeviceSourceInfo[] {
    const base = { provider: this.provider, simulated: false, device: this.config.name, platform: 'gpio-counter', binary: false } as const;
    const label = this.config.label;
    return [
      { ...base, source: this.totalId, unit: this.config.unit, ...(this.config.deviceClass ? { deviceClass: this.config.deviceClass } : {}), ...(label ? { label: `${label} total` } : {}) },
      { ...base, source: this.rateId, unit: `${this.config.unit}/min`, ...(label ? { label: `${label} rate` } : {}) },
    ];
  }

  async sample(): Promise<Record<string, number>> {
    const now = this.ctx.now();
    let subscribed: boolean;
    try {
      subscribed = this.subscribe();
    } catch (err) {
      const code = isSmolError(err) ? err.code : ErrorCodes.DEVICE_UNAVAILABLE;
      for (const s of [this.totalId, this.rateId]) this.ctx.reads.fail(s, code, `pin ${this.config.pin}: ${(err as Error).message}`);
      return {};
    }
    if (!subscribed || this.total === undefined) {
      for (const s of [this.totalId, this.rateId]) this.ctx.reads.fail(s, ErrorCodes.DEVICE_UNAVAILABLE, 'no GPIO edge events on this node (GPIO disabled, or a backend without edges)');
      return {};
    }
    const pulses = this.pulses;
    this.pulses = 0;
    const minutes = (now - this.lastSampleMs) / 60_000;
    this.lastSampleMs = now;
    this.total += pulses * this.config.multiplier;
    // Rounded so that 0.1 + 0.2 does not journal 0.30000000000000004 for ever after.
    this.total = Math.round(this.total * 1e9) / 1e9;
    const out: Record<string, number> = { [this.totalId]: this.total };
    this.ctx.reads.ok(this.totalId);
    if (minutes > 0) {
      out[this.rateId] = Math.round(((pulses * this.config.multiplier) / minutes) * 1e6) / 1e6;
      this.ctx.reads.ok(this.rateId);
    }
    return out;
  }

  stats() {
    return this.ctx.reads.stats();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}

export const gpioCounterPlatform = definePlatform({
  name: 'gpio-counter',
  description: 'pulses on a GPIO input (rain gauge, water or energy meter) as a rate per minute and a total',
  schema,
  defaultIntervalMs: 60_000,
  async create(config, ctx) {
    const counter = new GpioCounter(config, ctx);
    await counter.open();
    return counter;
  },
});
