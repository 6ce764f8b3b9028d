import type { SamplerSchedule } from '../../core/runtime/sampler.js';
import type { UnitHealth } from '../../core/runtime/units.js';
import { createSystemSensors } from '../sensors/system-sensors.js';
import { createGpio, type GpioOptions, type GpioProvider } from '../sensors/gpio.js';
import { gpioPins } from '../config/sections/sensors-gpio.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** What the sampler reads, and how often. */
    schedules: SamplerSchedule[];
    gpio: GpioProvider | undefined;
  }
}

/** The system sensors and GPIO (hardware, or a deterministic simulation when there is none). */
export function sensorsUnit(world: { gpio?: Partial<GpioOptions> } = {}): NodeUnit {
  let gpio: GpioProvider | undefined;
  return {
    name: 'sensors',
    needs: ['journal', 'push'],
    async start({ config, shelf, log }) {
      const schedules: SamplerSchedule[] = [];
      if (config.sensors.system.enabled) schedules.push({ provider: createSystemSensors({ diskPath: config.dataDir }), intervalMs: config.sensors.system.intervalMs });
      if (config.sensors.gpio.enabled) {
        const g = config.sensors.gpio;
        const onError = (err: unknown) => log.warn({ err }, 'gpio: ' + String((err as Error)?.message ?? err));
        gpio = await createGpio({ pins: gpioPins(g), mode: g.mode, backend: g.backend, chip: g.chip, seed: g.seed, debounceMs: g.debounceMs, simulateEdges: g.simulateEdges, onError, ...world.gpio });
        // Input edges are journaled when they happen (reading.sampled through the push unit's
        // gated path, which also feeds gpio-counter), not at the next sample.
        // Edges are rare and someone waits to see them (a door, a button): written now, one fsync
        // each (at most one per debounceMs), instead of at the end of journal.readingsCommitMs.
        const push = shelf.get('pushReadings');
        const journal = shelf.get('journal');
        gpio.attach((values) => {
          const journaled = push(values);
          void journal.flush?.().catch(() => undefined);
          return journaled;
        });
        schedules.push({ provider: gpio, intervalMs: config.sensors.gpio.intervalMs });
      }
      shelf.put('schedules', schedules);
      shelf.put('gpio', gpio);
    },
    async stop() {
      // Releases the lines (and ends the gpiod tools' processes).
      await gpio?.close?.();
    },
    health(): UnitHealth {
      if (!gpio) return { state: 'running' };
      return { state: 'running', message: gpio.mode === 'simulated' ? `GPIO simulated (${gpio.backendReason})` : `GPIO: ${gpio.backendReason}` };
    },
  };
}
