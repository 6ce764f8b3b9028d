/**
 * Home Assistant MQTT discovery: what each registered source is announced as. Pure: given a
 * source and the node, the retained config message(s) to publish; the publisher sends them.
 *
 * Shapes follow Home Assistant's MQTT discovery documentation: the config topic is
 * `<discovery prefix>/<component>/<object id>/config` with the object id equal to the
 * `unique_id` and no node id level (the documented best practice for entities with a unique id);
 * the state is the JSON reading on `<prefix>/<node>/readings/<source>`, so every config has a
 * `value_template`; availability is the node's status topic (online, offline by last will).
 */
import { allowsStateClass, binaryClassOf, sensorClassesOf, unitFitsClass, type StateClass } from './ha-classes.js';
import type { Topics } from './topics.js';

export type HaComponent = 'sensor' | 'binary_sensor' | 'switch';
const COMPONENTS: readonly HaComponent[] = ['sensor', 'binary_sensor', 'switch'];

/** A registered source, as `source.registered` describes it. */
export interface DiscoverySource {
  readonly source: string;
  readonly provider: string;
  readonly unit?: string | undefined;
  readonly label?: string | undefined;
  /** The device class the source's platform gives (source.registered v2); guessed from unit and name otherwise. */
  readonly deviceClass?: string | undefined;
  /** 0/1 values (source.registered v2): a binary_sensor. */
  readonly binary?: boolean | undefined;
}

/** What the config (`mqtt.discoveryOverrides`) says about one source, overriding the guesses. */
export interface DiscoveryOverride {
  /** An on/off source: a binary_sensor. */
  readonly binary?: boolean | undefined;
  /** The reading that means "on" in Home Assistant (default 1; a Zigbee2MQTT contact is 1 when closed). */
  readonly onValue?: 0 | 1 | undefined;
  /** Home Assistant device class; '' = none. */
  readonly deviceClass?: string | undefined;
  /** 'none' = no state class (a numeric value that is not worth statistics). */
  readonly stateClass?: StateClass | 'none' | undefined;
}

/** The node the entities belong to: one Home Assistant device per node. */
export interface DiscoveryNode {
  readonly name: string;
  readonly nodeId: string;
  readonly role: string;
  readonly software: string;
}

export interface DiscoveryContext {
  readonly node: DiscoveryNode;
  readonly topics: Topics;
  /** GPIO outputs that take commands (switches); other GPIO sources are binary sensors. */
  readonly switchPins: ReadonlySet<string>;
  readonly overrides: Readonly<Record<string, DiscoveryOverride>>;
}

/** One retained discovery message; an empty payload removes an entity. */
export interface DiscoveryMessage {
  readonly topic: string;
  readonly payload: string;
}

/** The GPIO pin of a `gpio.<pin>` source, or undefined. */
export function gpioPinOf(s: DiscoverySource): string | undefined {
  return s.provider === 'gpio' && s.source.startsWith('gpio.') ? s.source.slice('gpio.'.length) : undefined;
}

/** The component a source is announced as. */
export function componentOf(s: DiscoverySource, ctx: DiscoveryContext): HaComponent {
  const pin = gpioPinOf(s);
  if (pin !== undefined && ctx.switchPins.has(pin)) return 'switch';
  const binary = ctx.overrides[s.source]?.binary;
  if (binary !== undefined) return binary ? 'binary_sensor' : 'sensor';
  if (s.binary) return 'binary_sensor';
  // A pin reads 0 or 1: an input (button, door contact) or an output that takes no commands here.
  return pin !== undefined ? 'binary_sensor' : 'sensor';
}

/** The discovery config of one source: topic and payload object. */
export function discoveryConfigOf(s: DiscoverySource, ctx: DiscoveryContext): { component: HaComponent; topic: string; config: Record<string, unknown> } {
  const { node, topics } = ctx;
  const component = componentOf(s, ctx);
  const override = ctx.overrides[s.source] ?? {};
  // Names decide between classes that share a unit, and guess a binary sensor's class (door…).
  const name = `${s.source} ${s.label ?? ''}`.toLowerCase();
  const common = {
    name: s.label ?? s.source,
    unique_id: topics.uniqueId(s.source),
    state_topic: topics.reading(s.source),
    // The state topic carries {"value":…,"at":…,"position":…}: the value is one field of it.
    value_template: '{{ value_json.value }}',
    availability_topic: topics.status,
    payload_available: 'online',
    payload_not_available: 'offline',
    device: {
      identifiers: [`smollama_${node.nodeId}`],
      name: `Smollama ${node.name}`,
      manufacturer: 'Smollama',
      model: node.role,
      sw_version: node.software,
    },
    origin: { name: 'Smollama', sw_version: node.software },
  };
  const deviceClassOr = (guess: string | undefined) => (override.deviceClass !== undefined ? override.deviceClass || undefined : guess);
  let config: Record<string, unknown>;
  if (component === 'sensor') {
    const classes = sensorClassesOf(s.unit, name);
    // A platform's class wins over the guess, unless Home Assistant would refuse it with this unit.
    const given = s.deviceClass !== undefined && unitFitsClass(s.deviceClass, classes.unit) ? s.deviceClass : undefined;
    const deviceClass = deviceClassOr(given ?? classes.deviceClass);
    let stateClass: StateClass | undefined = classes.stateClass;
    if (override.stateClass !== undefined) stateClass = override.stateClass === 'none' ? undefined : override.stateClass;
    // An overridden device class may not take the guessed state class (energy is never a measurement).
    if (stateClass && !allowsStateClass(deviceClass, stateClass)) stateClass = allowsStateClass(deviceClass, 'total_increasing') ? 'total_increasing' : undefined;
    config = {
      ...common,
      ...(deviceClass ? { device_class: deviceClass } : {}),
      ...(stateClass ? { state_class: stateClass } : {}),
      ...(classes.unit ? { unit_of_measurement: classes.unit } : {}),
    };
  } else {
    // The value template renders the reading as "1" or "0"; payload_on/off say which is on.
    const on = override.onValue ?? 1;
    const deviceClass = deviceClassOr(component === 'binary_sensor' ? (s.deviceClass ?? binaryClassOf(name)) : 'switch');
    config = { ...common, payload_on: String(on), payload_off: String(1 - on), ...(deviceClass ? { device_class: deviceClass } : {}) };
    if (component === 'switch') {
      const pin = gpioPinOf(s)!;
      // Commands are the pin values; the state (the pin's reading, or its last write) is 1 or 0 too.
      config = { ...config, command_topic: topics.gpioCommand(pin), payload_on: '1', payload_off: '0', state_on: '1', state_off: '0', optimistic: false, retain: false };
    }
  }
  return { component, topic: topics.discovery(component, s.source), config };
}

/** The retained config message of one source. */
export function discoveryMessageOf(s: DiscoverySource, ctx: DiscoveryContext): DiscoveryMessage {
  const { topic, config } = discoveryConfigOf(s, ctx);
  return { topic, payload: JSON.stringify(config) };
}

/**
 * Empty retained messages for the components a source is not (anymore): a GPIO pin announced as
 * a `sensor` by an older version, or an output that was a switch before switches were turned
 * off, would otherwise stay in Home Assistant as a second entity.
 */
export function staleMessagesOf(s: DiscoverySource, ctx: DiscoveryContext): DiscoveryMessage[] {
  const current = componentOf(s, ctx);
  return COMPONENTS.filter((c) => c !== current).map((c) => ({ topic: ctx.topics.discovery(c, s.source), payload: '' }));
}
