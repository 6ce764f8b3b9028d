import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { InboxHandler } from './inbox.js';
import type { Topics } from './topics.js';

/** How GPIO outputs are written: the node's journaled write (`SmolNode.writeGpio`), as the API does. */
export interface GpioWriter {
  readonly pins: readonly { readonly name: string; readonly direction: 'input' | 'output' }[];
  /** Throws SMOL_GPIO_PIN_UNKNOWN, SMOL_GPIO_NOT_OUTPUT, SMOL_DISK_FULL, … (nothing switched then). */
  write(pin: string, value: 0 | 1): Promise<void>;
}

/** Which outputs take MQTT commands: `auto` only behind the embedded broker, where publishing needs the admin token. */
export function switchPinsOf(setting: 'auto' | 'on' | 'off', embeddedBroker: boolean, gpio: GpioWriter | undefined): Set<string> {
  const on = setting === 'on' || (setting === 'auto' && embeddedBroker);
  return new Set(on && gpio ? gpio.pins.filter((p) => p.direction === 'output').map((p) => p.name) : []);
}

/** A command payload as a pin value: what Home Assistant sends (payload_on 1 / payload_off 0), and ON/OFF, true/false. */
export function commandValueOf(payload: Buffer): 0 | 1 | undefined {
  const s = payload.toString('utf8').trim().toLowerCase();
  if (s === '1' || s === 'on' || s === 'true') return 1;
  if (s === '0' || s === 'off' || s === 'false') return 0;
  return undefined;
}

/**
 * Inbox routes `<prefix>/<node>/gpio/<pin>/set` for the switch pins. The broker decides who may
 * publish there (the embedded one: admin token or loopback only); a write goes through the same
 * journaled GPIO write as the API. A retained command is refused: it would switch the pin again
 * at every reconnect. Bad payloads are SMOL_MQTT_PAYLOAD_INVALID and switch nothing.
 */
export function gpioCommandRoutes(topics: Topics, pins: ReadonlySet<string>, gpio: GpioWriter): Map<string, { qos: 1; handle: InboxHandler }> {
  const routes = new Map<string, { qos: 1; handle: InboxHandler }>();
  for (const pin of pins) {
    const topic = topics.gpioCommand(pin);
    routes.set(topic, {
      qos: 1,
      handle: async (m) => {
        if (m.retain) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `a retained command on ${topic} is not carried out (it would repeat at every reconnect)`, { details: { topic } });
        const value = commandValueOf(m.payload);
        if (value === undefined) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `expected 1 or 0 (or ON/OFF) on ${topic}, got ${JSON.stringify(m.payload.toString('utf8').slice(0, 40))}`, { details: { topic } });
        await gpio.write(pin, value);
      },
    });
  }
  return routes;
}
