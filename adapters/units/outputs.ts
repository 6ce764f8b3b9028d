import type { UnitHealth } from '../../core/runtime/units.js';
import { SmolError } from '../../core/errors.js';
import { outputTools, type OutputAccess } from '../../core/tools/output-tools.js';
import { createOutputs } from '../devices/outputs/outputs.js';
import { i2cBuses, type I2cBuses } from '../devices/outputs/i2c-buses.js';
import type { I2cBus } from '../../core/devices/i2c-port.js';
import type { Tm1637Lines } from '../devices/outputs/tm1637.js';
import { tm1637LinesFor } from '../devices/outputs/tm1637-lines.js';
import type { GpioProvider } from '../sensors/gpio.js';
import type { NodeUnit } from './context.js';

declare module './context.js' {
  interface Provided {
    /** The configured outputs (the allowlist), for the API, MQTT/HA and the agent's tools. */
    outputs: OutputAccess | undefined;
    /** The node's I2C buses, shared by devices and outputs. */
    i2cBuses: I2cBuses;
  }
}

export interface OutputsUnitOptions {
  /** Opens an I2C bus (tests: a byte-level fake of the chips). */
  readonly openI2c?: (bus: number) => Promise<I2cBus>;
  /** Line-level GPIO for a TM1637 (tests: a fake chip); default: rpio's lines, the simulation, or none. */
  readonly lines?: (clk: number, dio: number) => Promise<{ readonly lines: Tm1637Lines; readonly simulated: boolean }>;
}

/** The `outputs` list: LEDs/relays on GPIO, PWM, an LCD, a TM1637 — journaled, and tools for the agent. */
export function outputsUnit(options: OutputsUnitOptions = {}): NodeUnit {
  let buses: I2cBuses | undefined;
  let count = 0;
  return {
    name: 'outputs',
    needs: ['node', 'agent'],
    async start({ config, shelf }) {
      buses = i2cBuses(options.openI2c);
      shelf.put('i2cBuses', buses);
      const node = shelf.get('node');
      const configs = config.outputs;
      count = configs.length;
      if (configs.length === 0) {
        shelf.put('outputs', undefined);
        return;
      }
      const outputs = createOutputs(configs, {
        journal: node.journal,
        gpio: node.gpio,
        sysRoot: config.sensors.sysRoot,
        i2cBus: (n) => buses!.get(n),
        lines: options.lines ?? tm1637LinesFor(node.gpio as GpioProvider | undefined),
        delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        assertWritable: () => {
          const fault = node.journal.writeFault?.();
          if (fault) throw new SmolError(fault.code, `the journal cannot write (${fault.message}); the output was not changed`);
        },
      });
      shelf.put('outputs', outputs);
      shelf.get('agent').tools.register(...outputTools(outputs));
    },
    async stop() {
      await buses?.close();
    },
    health: (): UnitHealth => ({ state: 'running', message: count === 0 ? 'no outputs configured' : `${count} output${count === 1 ? '' : 's'}` }),
  };
}
