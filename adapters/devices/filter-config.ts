import { z } from 'zod';
import type { FilterSpec } from '../../core/devices/filters/filter.js';
import { fitLinear } from '../../core/devices/filters/calibrate.js';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const window = z.union([
  z.number().int().min(1).max(1000).transform((w) => ({ window: w, sendEvery: 1 })),
  z.object({ window: z.number().int().min(1).max(1000), sendEvery: z.number().int().min(1).default(1) }).strict(),
]);

/**
 * Each filter is a one-key mapping in the device's `filters` list, in the ESPHome spirit:
 * `- delta: 0.5`, `- median: 5` (or `{window: 5, sendEvery: 5}`), `- calibrate: [[0, 0.3], [100, 99.1]]`,
 * `- clamp: {min: -40, max: 125, drop: true}`, `- throttleMs: 60000`, `- heartbeatMs: 300000`.
 */
const FILTERS: Readonly<Record<string, z.ZodType<FilterSpec>>> = {
  throttleMs: z.number().int().min(1).transform((ms) => ({ kind: 'throttle' as const, ms })),
  delta: finite.refine((d) => d >= 0, 'must be at least 0').transform((min) => ({ kind: 'delta' as const, min })),
  median: window.transform((w) => ({ kind: 'median' as const, ...w })),
  mean: window.transform((w) => ({ kind: 'mean' as const, ...w })),
  calibrate: z
    .array(z.tuple([finite, finite]))
    .min(2, 'needs at least two [raw, true] points')
    .refine((pts) => new Set(pts.map(([raw]) => raw)).size >= 2, 'needs at least two different raw values')
    .transform((pts) => ({ kind: 'calibrate' as const, ...fitLinear(pts) })),
  clamp: z
    .object({ min: finite.optional(), max: finite.optional(), drop: z.boolean().default(false) })
    .strict()
    .refine((c) => c.min !== undefined || c.max !== undefined, 'needs min or max')
    .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, 'min must not be above max')
    .transform((c) => ({ kind: 'clamp' as const, drop: c.drop, ...(c.min !== undefined ? { min: c.min } : {}), ...(c.max !== undefined ? { max: c.max } : {}) })),
  heartbeatMs: z.number().int().min(100).transform((ms) => ({ kind: 'heartbeat' as const, ms })),
};

/** The filter names a config may use. */
export const FILTER_NAMES = Object.keys(FILTERS);

/** One problem in a filter list: where (relative to the list) and what. */
export interface FilterProblem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly zod?: z.core.$ZodIssue;
}

/** Parses a `filters` list; problems name the filter's index and key. */
export function parseFilters(input: unknown): { filters: FilterSpec[]; problems: FilterProblem[] } {
  const filters: FilterSpec[] = [];
  const problems: FilterProblem[] = [];
  if (!Array.isArray(input)) return { filters, problems: [{ path: [], message: 'expected a list of filters, e.g. [{delta: 0.5}, {heartbeatMs: 60000}]' }] };
  input.forEach((item, i) => {
    const keys = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : undefined;
    if (keys?.length !== 1) {
      problems.push({ path: [i], message: `expected one filter as a one-key mapping (one of: ${FILTER_NAMES.join(', ')})` });
      return;
    }
    const key = keys[0]!;
    const schema = Object.hasOwn(FILTERS, key) ? FILTERS[key] : undefined;
    if (!schema) {
      problems.push({ path: [i, key], message: `unknown filter "${key}" (known: ${FILTER_NAMES.join(', ')})` });
      return;
    }
    const r = schema.safeParse((item as Record<string, unknown>)[key]);
    if (r.success) filters.push(r.data);
    else for (const issue of r.error.issues) problems.push({ path: [i, key, ...issue.path], message: `filter ${key}: `, zod: issue });
  });
  return { filters, problems };
}
