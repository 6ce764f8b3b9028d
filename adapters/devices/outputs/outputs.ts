/**
 * The node's outputs (the `outputs` config list is the allowlist): each write is checked, drives
 * the device, and is journaled as `output.written` after the device took it. Writes are refused
 * before anything is driven when the journal cannot record them (disk full).
 */
import type { OutputInfo, OutputPort } from '../../../core/devices/device-port.js';
import type { I2cBus } from '../../../core/devices/i2c-port.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { Journal } from '../../../core/journal/journal.js';
import type { GpioPort } from '../../../core/sensors/sensor-port.js';
import type { OutputConfig } from '../../config/sections/outputs.js';
import { Pcf8574Lcd } from '../i2c/lcd-pcf8574.js';
import { SysfsPwm } from './pwm-sysfs.js';
import type {} from '../../../core/events/output-events.js'; // brings output.written into EventDataMap
import { Tm1637, formatForDigits, segmentsFor, type Tm1637Lines } from './tm1637.js';

export interface OutputDeps {
  readonly journal: Journal;
  readonly gpio: GpioPort | undefined;
  readonly sysRoot: string;
  readonly i2cBus: (bus: number) => Promise<I2cBus>;
  /** Line-level access for a TM1637 (header pins), and whether it is the simulation; undefined when the GPIO driver has none. */
  readonly lines?: ((clk: number, dio: number) => Promise<{ readonly lines: Tm1637Lines; readonly simulated: boolean }>) | undefined;
  readonly delay: (ms: number) => Promise<void>;
  /** Throws when the journal cannot take a write now (SMOL_DISK_FULL, …): nothing is driven then. */
  readonly assertWritable: () => void;
}

interface Driver {
  readonly info: Omit<OutputInfo, 'value'>;
  simulated(): boolean;
  /** Checks and normalises a value; throws SMOL_OUTPUT_NOT_ALLOWED. */
  check(value: number | string): number | string;
  drive(value: number | string): Promise<void>;
}

const notAllowed = (output: string, why: string) => new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `${output}: ${why}`, { details: { output } });

function driverOf(config: OutputConfig, deps: OutputDeps): Driver {
  const base = { name: config.name, platform: config.platform, ...(config.label === undefined ? {} : { label: config.label }) };
  switch (config.platform) {
    case 'gpio': {
      const pin = deps.gpio?.list().find((p) => p.name === config.pin);
      if (!deps.gpio || !pin) throw new SmolError(ErrorCodes.CONFIG_INVALID, `outputs: ${config.name}: no GPIO pin named ${config.pin} in sensors.gpio.pins`);
      if (pin.direction !== 'output') throw new SmolError(ErrorCodes.CONFIG_INVALID, `outputs: ${config.name}: GPIO pin ${config.pin} is an input`);
      const gpio = deps.gpio;
      return {
        info: { ...base, kind: 'switch' },
        simulated: () => gpio.mode === 'simulated',
        check: (v) => {
          if (v === 0 || v === 1) return v;
          if (v === 'on') return 1;
          if (v === 'off') return 0;
          throw notAllowed(config.name, `a switch takes 0 or 1 (or on/off), not ${JSON.stringify(v)}`);
        },
        drive: (v) => gpio.write(config.pin, v as 0 | 1),
      };
    }
    case 'pwm': {
      const pwm = new SysfsPwm({ sysRoot: deps.sysRoot, chip: config.chip, channel: config.channel, frequencyHz: config.frequencyHz });
      return {
        info: { ...base, kind: 'pwm' },
        simulated: () => false,
        check: (v) => {
          if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw notAllowed(config.name, `a PWM duty is a number 0..1, not ${JSON.stringify(v)}`);
          if (v > config.maxDuty) throw notAllowed(config.name, `duty ${v} is above this output's maxDuty ${config.maxDuty}`);
          return v;
        },
        drive: (v) => pwm.set(v as number),
      };
    }
    case 'lcd': {
      let lcd: Pcf8574Lcd | undefined;
      return {
        info: { ...base, kind: 'text' },
        simulated: () => false,
        check: (v) => {
          const text = String(v);
          if (text.length > config.columns * config.rows + config.rows) throw notAllowed(config.name, `text longer than the ${config.columns}×${config.rows} display`);
          return text;
        },
        drive: async (v) => {
          lcd ??= new Pcf8574Lcd(await deps.i2cBus(config.bus), { address: config.address, columns: config.columns, rows: config.rows, delay: deps.delay });
          await lcd.write(String(v));
        },
      };
    }
    case 'tm1637': {
      let display: Tm1637 | undefined;
      let simulated = false;
      return {
        info: { ...base, kind: 'number' },
        simulated: () => simulated,
        check: (v) => {
          const text = typeof v === 'number' ? formatForDigits(v) : v;
          segmentsFor(text); // throws SMOL_OUTPUT_NOT_ALLOWED for what four digits cannot show
          return text;
        },
        drive: async (v) => {
          if (!deps.lines) throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `${config.name}: this node's GPIO backend has no line access for a TM1637`);
          if (!display) {
            const opened = await deps.lines(config.clk, config.dio);
            simulated = opened.simulated;
            display = new Tm1637(opened.lines, config.brightness);
          }
          await display.show(String(v));
        },
      };
    }
  }
}

/** Builds the outputs; throws SMOL_CONFIG_INVALID for a gpio output whose pin is not a configured output. */
export function createOutputs(configs: readonly OutputConfig[], deps: OutputDeps): OutputPort & { agentMay(name: string): boolean } {
  const drivers = new Map(configs.map((c) => [c.name, { driver: driverOf(c, deps), agent: c.agent }]));
  const last = new Map<string, number | string>();
  // One write at a time per output: two commands interleaved on an LCD's bus would garble it.
  const queues = new Map<string, Promise<unknown>>();
  const serial = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(name) ?? Promise.resolve()).then(work, work);
    queues.set(name, run.catch(() => undefined));
    return run;
  };
  return {
    list: () => [...drivers.values()].map(({ driver }) => ({ ...driver.info, ...(last.has(driver.info.name) ? { value: last.get(driver.info.name)! } : {}) })),
    agentMay: (name) => drivers.get(name)?.agent === true,
    async write(name, value) {
      const entry = drivers.get(name);
      if (!entry) throw new SmolError(ErrorCodes.OUTPUT_UNKNOWN, `no output named ${name} (configured: ${[...drivers.keys()].join(', ') || 'none'})`, { details: { output: name } });
      const { driver } = entry;
      const checked = driver.check(value);
      await serial(name, async () => {
        deps.assertWritable();
        await driver.drive(checked);
        last.set(name, checked);
        await deps.journal.appendOne('output.written', { output: name, kind: driver.info.kind, platform: driver.info.platform, value: checked, simulated: driver.simulated() });
      });
    },
  };
}
