/** MQTT topics of one node: `<prefix>/<node>/…`. Node names are [a-z0-9-], so they need no escaping. */
export interface Topics {
  events(type: string): string;
  reading(source: string): string;
  readonly status: string;
  /** Where questions to the agent arrive. */
  readonly ask: string;
  /** Where answers go when a question names no MQTT 5 response topic. */
  readonly answers: string;
  /** `<prefix>/<node>/tools/`: direct tool calls arrive on `<toolsBase><name>`. */
  readonly toolsBase: string;
  /** Home Assistant discovery config topic of one source as one component (sensor, binary_sensor, switch). */
  discovery(component: string, source: string): string;
  /** Where commands to a GPIO output arrive (a Home Assistant switch's command topic). */
  gpioCommand(pin: string): string;
  /** Unique id of one source in Home Assistant. */
  uniqueId(source: string): string;
}

/** Topic builders for a node; characters MQTT gives meaning to (+ # /) are replaced in names. */
export function topicsOf(prefix: string, node: string, discoveryPrefix: string): Topics {
  const clean = (s: string) => s.replace(/[+#/\s]/g, '_');
  const objectId = (source: string) => `smollama_${node}_${source}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  return {
    events: (type) => `${prefix}/${node}/events/${clean(type)}`,
    reading: (source) => `${prefix}/${node}/readings/${clean(source)}`,
    status: `${prefix}/${node}/status`,
    ask: `${prefix}/${node}/ask`,
    answers: `${prefix}/${node}/answers`,
    toolsBase: `${prefix}/${node}/tools/`,
    // <discovery prefix>/<component>/<object id>/config, object id = unique_id: Home Assistant's
    // documented best practice for entities with a unique id (no node id level).
    discovery: (component, source) => `${discoveryPrefix}/${component}/${objectId(source)}/config`,
    gpioCommand: (pin) => `${prefix}/${node}/gpio/${clean(pin)}/set`,
    uniqueId: objectId,
  };
}
