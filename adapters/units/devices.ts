import type { DeviceSourceInfo, EdgeSource } from '../../core/devices/device-port.js';
import type { I2cBus } from '../../core/devices/i2c-port.js';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { Sampler } from '../../core/runtime/sampler.js';
import { realTimers } from '../../core/runtime/timers.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { latestReadings, type SensorsState } from '../../projections/sensors.js';
import { DeviceRunner } from '../devices/device-runner.js';
import type { DeviceTimers } from '../devices/platform.js';
import { platformNamed } from '../devices/platforms.js';
import { rateLimitedLog } from '../log/rate-limit.js';
import type {} from './outputs.js'; // i2cBuses on the shelf
import { i2cBuses, type I2cBuses } from '../devices/outputs/i2c-buses.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** The configured devices (sensors.devices), with their sources and read statistics. */
    devices: readonly DeviceRunner[];
  }
}

/** What the devices unit reads the world through; tests and the lead's wiring pass their own. */
export interface DevicesWorld {
  readonly sysRoot?: string;
  readonly i2cBus?: (bus: number) => Promise<I2cBus>;
  readonly timers?: DeviceTimers;
  readonly now?: () => number;
}

const realDeviceTimers: DeviceTimers = { ...realTimers, delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** The source.registered v2 data of a device source. */
function registration(s: DeviceSourceInfo) {
  return {
    source: s.source,
    provider: s.provider,
    simulated: s.simulated,
    binary: s.binary ?? false,
    ...(s.unit ? { unit: s.unit } : {}),
    ...(s.label ? { label: s.label } : {}),
    ...(s.device ? { device: s.device } : {}),
    ...(s.platform ? { platform: s.platform } : {}),
    ...(s.deviceClass ? { deviceClass: s.deviceClass } : {}),
  };
}

/**
 * The devices declared in `sensors.devices` (adapters/devices): each made by its platform,
 * its sources journaled as `source.registered` v2, polled on its interval by a sampler of its own
 * (which yields to the node's sampling priority like the node's sampler) and/or pushing through
 * `pushReadings`. It runs after `begin`: everything it journals comes after `node.started`, and a
 * device that cannot be made (absent hardware) does not stop the node — it is retried.
 * Degraded while any device fails to read, naming how many and the first.
 */
export function devicesUnit(world: DevicesWorld = {}): NodeUnit {
  let runners: DeviceRunner[] = [];
  let ownBuses: I2cBuses | undefined;
  let sampler: Sampler | undefined;
  return {
    name: 'devices',
    needs: ['begin', 'node', 'push'],
    stopTimeoutMs: 3000,
    async start({ config, log, shelf }) {
      const journal = shelf.get('journal');
      const node = shelf.get('node');
      const push = shelf.get('pushReadings');
      const now = world.now ?? Date.now;
      const timers = world.timers ?? realDeviceTimers;
      const rl = rateLimitedLog(log, 60_000, now);
      const warn = Object.assign((key: string, fields: Record<string, unknown>, message: string) => rl('warn', key, fields, message), { clear: rl.clear });
      const inputs = new Set(config.sensors.gpio.enabled ? config.sensors.gpio.pins.filter((p) => p.direction === 'input').map((p) => p.name) : []);
      const hub = shelf.get('edgeSource');
      const edges: EdgeSource = {
        onEdge(pin, cb) {
          if (!inputs.has(pin)) throw new SmolError(ErrorCodes.GPIO_PIN_UNKNOWN, `${pin} is not a GPIO input in sensors.gpio.pins`, { details: { pin } });
          return hub.onEdge(pin, cb);
        },
      };
      const lastValue = async (source: string) => {
        const sensors = node.runner<SensorsState>('sensors');
        await sensors.caughtUp();
        return latestReadings(sensors.state, { origin: journal.nodeId }).find((r) => r.source === source)?.value;
      };
      const sysRoot = world.sysRoot ?? (config.sensors as { readonly sysRoot?: string }).sysRoot ?? '/sys';
      // The node's I2C buses (/dev/i2c-N through i2c-dev), shared with the outputs on the same bus
      // (the outputs unit opens them; a node composed without it gets buses of its own).
      const buses = shelf.peek('i2cBuses') ?? (ownBuses = i2cBuses());
      const i2cBus = world.i2cBus ?? ((bus: number) => buses.get(bus));
      runners = config.sensors.devices.map(
        (device) =>
          new DeviceRunner({
            config: device,
            // The config was validated against the registry: the platform is there.
            platform: platformNamed(device.platform)!,
            now,
            timers,
            dataDir: config.dataDir,
            sysRoot,
            i2cBus,
            edges,
            lastValue,
            warn,
            info: (fields, message) => log.info(fields, message),
            onSources: async (sources) => {
              if (sources.length > 0) await journal.append(sources.map((s) => ({ type: 'source.registered', v: 2, data: registration(s) })));
            },
            push,
          }),
      );
      await Promise.all(runners.map((r) => r.start()));
      const schedules = runners.flatMap((r) => (r.intervalMs === undefined ? [] : [{ provider: r, intervalMs: r.intervalMs }]));
      sampler = new Sampler({
        journal,
        schedules,
        sourceIntervalsMs: config.sensors.sourceIntervalsMs,
        timers,
        now,
        priority: node.sampling,
        onError: (device, err) => warn(`${device}:journal`, { device, err }, `device ${device}: readings not journaled: ${(err as Error)?.message ?? String(err)}`),
      });
      sampler.start();
      shelf.put('devices', runners);
    },
    async stop() {
      await sampler?.stop();
      await Promise.all(runners.map((r) => r.close()));
      await ownBuses?.close();
    },
    health(): UnitHealth {
      if (runners.length === 0) return { state: 'running', message: 'no devices configured' };
      const failing = runners.flatMap((r) => {
        const p = r.problem();
        return p ? [{ name: r.name, ...p }] : [];
      });
      if (failing.length === 0) return { state: 'running', message: `${runners.length} device(s) reading` };
      const first = failing[0]!;
      return { state: 'degraded', code: first.code, message: `${failing.length} of ${runners.length} device(s) fail to read: ${first.name} (${first.message})${failing.length > 1 ? `, ${failing.slice(1).map((f) => f.name).join(', ')}` : ''}` };
    },
  };
}
