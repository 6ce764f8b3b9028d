import { z } from 'zod';

/**
 * Reading the config schema's structure, so env names, `--set` paths, "known keys" hints and the
 * example config all come from the one schema instead of hand-kept lists.
 */

// Wrappers that change how a value is defaulted or checked, not what shape it has.
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The schema under default/prefault/optional wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (WRAPPERS.has(s.def.type)) s = (s.def as unknown as { innerType: z.ZodType }).innerType;
  return s;
}

/** The fields of an object schema (through wrappers), or undefined when it is not an object. */
export function objectShape(schema: z.ZodType): Readonly<Record<string, z.ZodType>> | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? (s.shape as Record<string, z.ZodType>) : undefined;
}

/** The element schema of an array schema (through wrappers), or undefined. */
export function arrayElement(schema: z.ZodType): z.ZodType | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodArray ? (s.element as z.ZodType) : undefined;
}

/** A settable key: a scalar or a whole list (lists are replaced, never merged). */
export interface ConfigLeaf {
  readonly path: readonly string[];
  readonly schema: z.ZodType;
}

/** Every leaf key of an object schema, depth first, in declaration order. */
export function configLeaves(schema: z.ZodType, prefix: readonly string[] = []): ConfigLeaf[] {
  const shape = objectShape(schema);
  if (!shape) return [{ path: prefix, schema }];
  return Object.entries(shape).flatMap(([key, field]) => configLeaves(field, [...prefix, key]));
}

/** The schema at a key path, or undefined when no such key exists. Numeric parts step into lists. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let s: z.ZodType | undefined = schema;
  for (const part of path) {
    if (s === undefined) return undefined;
    s = typeof part === 'number' ? arrayElement(s) : objectShape(s)?.[String(part)];
  }
  return s;
}

/** True when a leaf takes text, so a raw string like `0123` or `true` must stay a string. */
export function takesText(schema: z.ZodType): boolean {
  const type = unwrap(schema).def.type;
  return type === 'string' || type === 'enum';
}

/** The one-line description (from `.describe()` or `.meta()`), if any. */
export function describeField(schema: z.ZodType): string | undefined {
  return schema.description;
}

/** True when a field's default depends on the machine (e.g. the hostname). */
export function isPerMachine(schema: z.ZodType): boolean {
  return schema.meta()?.['perMachine'] === true;
}
