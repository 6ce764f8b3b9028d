/**
 * The raw config being assembled from layers (defaults < file < env < flags), remembering which
 * layer set each key, so an error can say where a bad value came from.
 */

type RawObject = Record<string, unknown>;

/** True for `{…}` values (not lists, not null). */
export function isPlainObject(v: unknown): v is RawObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// defineProperty, so a key named `__proto__` in a YAML file is data, not a prototype change.
function put(obj: RawObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Layered raw config plus the source of every key set; see the file comment. */
export class SourcedLayers {
  /** The merged raw value, ready for the schema. */
  readonly raw: RawObject = {};
  private readonly sources = new Map<string, string>();

  /** Sets one key, replacing whatever an earlier layer put there (lists are replaced whole). */
  set(path: readonly string[], value: unknown, source: string): void {
    const parent = this.parentOf(path);
    const key = path[path.length - 1];
    if (parent === undefined || key === undefined) return;
    put(parent, key, value);
    this.record(path, source);
  }

  /**
   * Merges a parsed file: objects merge key by key, everything else replaces. `null` (a key with
   * nothing under it, e.g. a section whose lines are all commented out) means "not set".
   */
  merge(obj: RawObject, source: string, prefix: readonly string[] = []): void {
    for (const [key, value] of Object.entries(obj)) {
      if (value === null) continue;
      const path = [...prefix, key];
      if (isPlainObject(value)) {
        const parent = this.parentOf(path);
        if (parent === undefined) continue;
        if (!isPlainObject(parent[key])) put(parent, key, {});
        this.record(path, source);
        this.merge(value, source, path);
      } else {
        this.set(path, value, source);
      }
    }
  }

  /** Which layer set this key (or the nearest enclosing one); `default` when none did. */
  sourceOf(path: readonly PropertyKey[]): string {
    for (let n = path.length; n > 0; n--) {
      const found = this.sources.get(path.slice(0, n).map(String).join('.'));
      if (found !== undefined) return found;
    }
    return 'default';
  }

  /** The raw value at a path (numeric parts index lists), or undefined. */
  valueAt(path: readonly PropertyKey[]): unknown {
    let v: unknown = this.raw;
    for (const part of path) {
      if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined;
      v = (v as Record<PropertyKey, unknown>)[part];
    }
    return v;
  }

  private record(path: readonly string[], source: string): void {
    const key = path.join('.');
    for (const k of this.sources.keys()) if (k.startsWith(key + '.')) this.sources.delete(k);
    this.sources.set(key, source);
  }

  // Creates missing parent objects. A parent that an earlier layer set to a non-object is left
  // alone: the schema then reports that layer's mistake instead of it being silently papered over.
  private parentOf(path: readonly string[]): RawObject | undefined {
    let obj = this.raw;
    for (const part of path.slice(0, -1)) {
      if (!Object.hasOwn(obj, part)) put(obj, part, {});
      const next = obj[part];
      if (!isPlainObject(next)) return undefined;
      obj = next;
    }
    return obj;
  }
}
