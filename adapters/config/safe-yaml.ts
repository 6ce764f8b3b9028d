import YAML from 'yaml';

/**
 * Aliases a config may expand (yaml weighs each by the size of what it points to), so a
 * "billion laughs" document fails fast instead of filling memory. A real config uses none or a few.
 */
export const MAX_ALIAS_COUNT = 100;

/** Why a parsed YAML document cannot become config data; `line` when the library knows it. */
export interface YamlProblem {
  readonly message: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/**
 * A parsed document as plain data, or the problem: an alias bomb (over MAX_ALIAS_COUNT), an
 * unresolved alias, an alias inside the node it names (`a: &a [*a]`, which would be a cycle no
 * JSON can show), or a mapping key that is itself a list or mapping.
 */
export function yamlData(doc: YAML.Document.Parsed, source: string): { data: unknown } | { problem: YamlProblem } {
  let collectionKey: YamlProblem | undefined;
  YAML.visit(doc, {
    Pair(_, pair) {
      if (collectionKey || YAML.isScalar(pair.key) || pair.key === null) return;
      const offset = (pair.key as { range?: [number, number, number] }).range?.[0];
      const pos = offset === undefined ? {} : lineOf(source, offset);
      collectionKey = { message: 'a mapping key must be plain text, not a list or mapping', ...pos };
      return YAML.visit.BREAK;
    },
  });
  if (collectionKey) return { problem: collectionKey };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws ReferenceError for excessive or unresolved aliases.
    return { problem: { message: String((err as Error).message) } };
  }
  if (hasCycle(data)) return { problem: { message: 'an alias refers to a node that contains it (a cycle)' } };
  return { data };
}

function lineOf(source: string, offset: number): { line?: number; column?: number } {
  if (offset > source.length) return {};
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/** True when a value contains itself (only aliases can make that). Shared, acyclic parts are fine. */
function hasCycle(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = value instanceof Map ? [...value.values()] : Object.values(value);
  const found = children.some((child) => hasCycle(child, ancestors));
  ancestors.delete(value);
  return found;
}
