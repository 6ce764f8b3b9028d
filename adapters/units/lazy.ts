/**
 * An object that stands for one a later unit provides, looked up on each use: for a unit that must
 * start earlier than what it calls (MQTT starts before the node and the agent, so that it stops
 * after them). Using it before the provider started throws the shelf's TypeError.
 */
export function lazy<T extends object>(get: () => T): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const real = get();
      const value = Reflect.get(real, key, real) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
    },
  });
}
