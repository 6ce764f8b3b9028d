/**
 * A small JSON path, enough for device payloads: `temperature`, `AM2301.Temperature`,
 * `$.ENERGY.Power`, `sensors[0].value`, `["key.with.dots"]`. The empty path is the whole value.
 */
export type JsonPath = ReadonlyArray<string | number>;

const STEP = /^(?:\.?([^.[\]"']+)|\[(\d+)\]|\["([^"]*)"\]|\['([^']*)'\])/;

/** Parses a path into steps; undefined when it is not one. */
export function parseJsonPath(path: string): JsonPath | undefined {
  let rest = path.trim();
  if (rest === '$') return [];
  if (rest.startsWith('$.') || rest.startsWith('$[')) rest = rest.slice(1);
  const steps: Array<string | number> = [];
  while (rest !== '') {
    const m = STEP.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push(m[1].trim());
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push(m[3] ?? m[4] ?? '');
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** True for a path parseJsonPath accepts (config validation). */
export function isJsonPath(path: string): boolean {
  return parseJsonPath(path) !== undefined;
}

/** The value at `path`, or undefined when any step is missing. Only own properties are followed. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(v) || step >= v.length) return undefined;
      v = v[step];
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, step)) return undefined;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}
