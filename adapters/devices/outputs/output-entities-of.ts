import type { OutputConfig } from '../../config/sections/outputs.js';
import type { OutputEntity } from '../../mqtt/output-entities.js';

const KIND = { gpio: 'switch', pwm: 'pwm', lcd: 'text', tm1637: 'number' } as const;

/** What MQTT and Home Assistant announce of each configured output (known from config alone). */
export function outputEntitiesOf(configs: readonly OutputConfig[]): OutputEntity[] {
  return configs.map((c) => ({
    name: c.name,
    kind: KIND[c.platform],
    ...(c.label === undefined ? {} : { label: c.label }),
    ...(c.platform === 'lcd' ? { maxLength: c.columns * c.rows + c.rows - 1 } : {}),
  }));
}
