import type { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';

/**
 * Parses request input against a zod schema. Throws SMOL_BAD_REQUEST whose message says what was
 * wrong and where (`query.limit: …`), with the issues in `details`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: 'query' | 'body' | 'params' | 'message'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  throw new SmolError(ErrorCodes.BAD_REQUEST, issues.map((i) => `${i.path}: ${i.message}`).join('; '), { details: { issues } });
}
