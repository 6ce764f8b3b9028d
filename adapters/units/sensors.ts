import type { SamplerSchedule } from '../../core/runtime/sampler.js';
import type { GpioPort } from '../../core/sensors/sensor-port.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { createSystemSensors } from '../sensors/system-sensors.js';
import { createGpio } from '../sensors/gpio.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** What the sampler reads, and how often. */
    schedules: SamplerSchedule[];
    gpio: GpioPort | undefined;
  }
}

/** The system sensors and GPIO (hardware, or a deterministic simulation when there is none). */
export function sensorsUnit(): NodeUnit {
  let gpio: GpioPort | undefined;
  return {
    name: 'sensors',
    needs: [],
    async start({ config, shelf }) {
      const schedules: SamplerSchedule[] = [];
      if (config.sensors.system.enabled) schedules.push({ provider: createSystemSensors({ diskPath: config.dataDir }), intervalMs: config.sensors.system.intervalMs });
      if (config.sensors.gpio.enabled) {
        gpio = await createGpio({ pins: config.sensors.gpio.pins, mode: config.sensors.gpio.mode, seed: config.sensors.gpio.seed });
        schedules.push({ provider: gpio, intervalMs: config.sensors.gpio.intervalMs });
      }
      shelf.put('schedules', schedules);
      shelf.put('gpio', gpio);
    },
    async stop() {},
    health(): UnitHealth {
      return gpio?.mode === 'simulated' ? { state: 'running', message: 'GPIO simulated (no GPIO hardware found or configured)' } : { state: 'running' };
    },
  };
}
