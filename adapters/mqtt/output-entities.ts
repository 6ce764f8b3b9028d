/**
 * Outputs in MQTT and Home Assistant: each configured output has a retained state topic
 * `<prefix>/<node>/outputs/<name>/state` (`{"value":…,"at":…}`, sent on every output.written) and
 * a command topic `…/set`, and is announced as the matching entity: a `switch` (LED, relay,
 * buzzer), a `light` with brightness (PWM), a `text` (LCD) or a `number` (7-segment). Commands
 * are carried out through the journaled output write; which outputs take commands follows
 * `mqtt.switches` (as GPIO switches do).
 */
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { OutputPort } from '../../core/devices/device-port.js';
import type { DiscoveryNode } from './ha-discovery.js';
import type { InboxHandler } from './inbox.js';

/** What discovery needs of an output (from config: known before the outputs unit starts). */
export interface OutputEntity {
  readonly name: string;
  readonly kind: 'switch' | 'pwm' | 'text' | 'number';
  readonly label?: string | undefined;
  /** Characters the display holds (text outputs). */
  readonly maxLength?: number;
}

export interface OutputTopics {
  state(name: string): string;
  command(name: string): string;
  brightnessCommand(name: string): string;
  discovery(component: string, name: string): string;
  uniqueId(name: string): string;
  readonly status: string;
}

/** Topic builders for the outputs of a node. */
export function outputTopicsOf(prefix: string, node: string, discoveryPrefix: string): OutputTopics {
  const clean = (s: string) => s.replace(/[+#/\s]/g, '_');
  const uniqueId = (name: string) => `smollama_${node}_output_${name}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  return {
    state: (name) => `${prefix}/${node}/outputs/${clean(name)}/state`,
    command: (name) => `${prefix}/${node}/outputs/${clean(name)}/set`,
    brightnessCommand: (name) => `${prefix}/${node}/outputs/${clean(name)}/brightness/set`,
    discovery: (component, name) => `${discoveryPrefix}/${component}/${uniqueId(name)}/config`,
    uniqueId,
    status: `${prefix}/${node}/status`,
  };
}

const COMPONENT = { switch: 'switch', pwm: 'light', text: 'text', number: 'number' } as const;

/** The retained discovery config of one output. */
export function outputDiscoveryOf(o: OutputEntity, node: DiscoveryNode, topics: OutputTopics): { topic: string; payload: string } {
  const component = COMPONENT[o.kind];
  const common = {
    name: o.label ?? o.name,
    unique_id: topics.uniqueId(o.name),
    state_topic: topics.state(o.name),
    command_topic: topics.command(o.name),
    availability_topic: topics.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    retain: false,
    device: { identifiers: [`smollama_${node.nodeId}`], name: `Smollama ${node.name}`, manufacturer: 'Smollama', model: node.role, sw_version: node.software },
    origin: { name: 'Smollama', sw_version: node.software },
  };
  let config: Record<string, unknown>;
  switch (o.kind) {
    case 'switch':
      config = { ...common, value_template: '{{ value_json.value }}', payload_on: '1', payload_off: '0', state_on: '1', state_off: '0' };
      break;
    case 'pwm':
      config = {
        ...common,
        state_value_template: "{{ 'ON' if value_json.value | float(0) > 0 else 'OFF' }}",
        payload_on: 'ON',
        payload_off: 'OFF',
        brightness_state_topic: topics.state(o.name),
        brightness_value_template: '{{ (value_json.value | float(0) * 100) | round(0) | int }}',
        brightness_command_topic: topics.brightnessCommand(o.name),
        brightness_scale: 100,
        on_command_type: 'brightness',
      };
      break;
    case 'text':
      config = { ...common, value_template: '{{ value_json.value }}', max: o.maxLength ?? 255, mode: 'text' };
      break;
    case 'number':
      config = { ...common, value_template: '{{ value_json.value }}', min: -999, max: 9999, step: 0.001, mode: 'box' };
      break;
  }
  return { topic: topics.discovery(component, o.name), payload: JSON.stringify(config) };
}

/** A command payload for an output of this kind; throws SMOL_MQTT_PAYLOAD_INVALID. */
export function outputCommandOf(kind: OutputEntity['kind'], topic: string, payload: Buffer, brightness: boolean): number | string {
  const text = payload.toString('utf8');
  const s = text.trim().toLowerCase();
  const bad = (expected: string) => new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `expected ${expected} on ${topic}, got ${JSON.stringify(text.slice(0, 40))}`, { details: { topic } });
  if (kind === 'text') return text;
  if (kind === 'number') {
    const n = Number(s);
    if (s === '' || !Number.isFinite(n)) throw bad('a number');
    return n;
  }
  if (brightness) {
    const n = Number(s);
    if (s === '' || !Number.isFinite(n) || n < 0 || n > 100) throw bad('a brightness 0..100');
    return n / 100;
  }
  if (s === '1' || s === 'on' || s === 'true') return 1;
  if (s === '0' || s === 'off' || s === 'false') return 0;
  throw bad('ON or OFF (or 1/0)');
}

/** Inbox routes for the command topics of these outputs; retained commands are refused (they would repeat at every reconnect). */
export function outputCommandRoutes(topics: OutputTopics, outputs: readonly OutputEntity[], port: () => OutputPort | undefined): Map<string, { qos: 1; handle: InboxHandler }> {
  const routes = new Map<string, { qos: 1; handle: InboxHandler }>();
  for (const o of outputs) {
    const add = (topic: string, brightness: boolean) =>
      routes.set(topic, {
        qos: 1,
        handle: async (m) => {
          if (m.retain) throw new SmolError(ErrorCodes.MQTT_PAYLOAD_INVALID, `a retained command on ${topic} is not carried out (it would repeat at every reconnect)`, { details: { topic } });
          const value = outputCommandOf(o.kind, topic, m.payload, brightness);
          const outputs = port();
          if (!outputs) throw new SmolError(ErrorCodes.OUTPUT_UNKNOWN, `the outputs are not running (${o.name})`);
          // A light switched ON without a brightness goes to full duty.
          await outputs.write(o.name, o.kind === 'pwm' && !brightness && value === 1 ? 1 : value);
        },
      });
    add(topics.command(o.name), false);
    if (o.kind === 'pwm') add(topics.brightnessCommand(o.name), true);
  }
  return routes;
}
