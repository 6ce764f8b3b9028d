import type { Edge, EdgeSource, PushReadings } from '../../core/devices/device-port.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { DeviceConfig } from '../../adapters/devices/device-config.js';
import { DeviceRunner } from '../../adapters/devices/device-runner.js';
import { platformNamed } from '../../adapters/devices/platforms.js';
import { ManualTimers } from './manual-timers.js';

/** A GPIO edge source the test drives: `edge(pin, value)` is an interrupt on a configured input. */
export class FakeEdgeSource implements EdgeSource {
  private readonly listeners = new Map<string, Set<(e: Edge) => void>>();
  constructor(
    private readonly inputs: readonly string[],
    private readonly now: () => number,
  ) {}
  onEdge(pin: string, cb: (e: Edge) => void): () => void {
    if (!this.inputs.includes(pin)) throw new SmolError(ErrorCodes.GPIO_PIN_UNKNOWN, `${pin} is not a GPIO input`);
    let set = this.listeners.get(pin);
    if (!set) this.listeners.set(pin, (set = new Set()));
    set.add(cb);
    return () => void set.delete(cb);
  }
  edge(pin: string, value: 0 | 1): void {
    for (const cb of this.listeners.get(pin) ?? []) cb({ value, atMs: this.now() });
  }
  listening(pin: string): number {
    return this.listeners.get(pin)?.size ?? 0;
  }
}

/** A device of a registered platform run by the framework's DeviceRunner, with a clock, logs and journal stand-ins the test reads. */
export function deviceHarness(config: DeviceConfig, options: { edges?: EdgeSource; lastValues?: Record<string, number>; clock?: { now: number } } = {}) {
  const clock = options.clock ?? { now: 1_700_000_000_000 };
  const timers = Object.assign(new ManualTimers(), { delay: async () => undefined });
  const warnings: Array<{ key: string; message: string }> = [];
  const infos: string[] = [];
  const registered: string[][] = [];
  const pushed: Array<Record<string, number>> = [];
  const platform = platformNamed(config.platform);
  if (!platform) throw new TypeError(`no platform ${config.platform}`);
  const push: PushReadings = async (values) => void pushed.push(values);
  const runner = new DeviceRunner({
    config,
    platform,
    now: () => clock.now,
    timers,
    dataDir: '/nonexistent',
    sysRoot: '/nonexistent/sys',
    i2cBus: async () => Promise.reject(new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, 'no I2C in this test')),
    edges: options.edges,
    lastValue: async (source) => options.lastValues?.[source],
    // The rate limit is the real one's shape: a key is written once until cleared.
    warn: Object.assign(
      (key: string, _fields: Record<string, unknown>, message: string) => {
        if (!warnings.some((w) => w.key === key)) warnings.push({ key, message });
      },
      { clear: (key: string) => void warnings.splice(0, warnings.length, ...warnings.filter((w) => w.key !== key)) },
    ),
    info: (_fields, message) => void infos.push(message),
    onSources: async (sources) => void registered.push(sources.map((s) => s.source)),
    push,
  });
  return { runner, clock, timers, warnings, infos, registered, pushed };
}

/** A device config as the schema would give it (common keys defaulted). */
export function deviceConfig(c: Record<string, unknown> & { platform: string; name: string }): DeviceConfig {
  return { filters: [], sourceFilters: {}, ...c } as DeviceConfig;
}
