/**
 * A zod issue in the words of an error line (which shows the key and the value beside it). Its own
 * module: the config schema's sections use it, and config-error.ts imports the schema.
 */
import type { z } from 'zod';

/** A value as it appears in an error line, cut to `max` characters. */
export function show(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A zod issue in words (the error line shows the key and the value beside it). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      // zod gives the input only with reportInput; its message ends "received undefined" for a missing key.
      const missing = 'input' in issue ? issue.input === undefined : /received undefined$/.test(issue.message);
      return missing ? `missing (expected ${issue.expected})` : `expected ${issue.expected === 'int' ? 'an integer' : issue.expected}`;
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => show(v)).join(' | ')}`;
    case 'too_small':
      return issue.origin === 'number' ? `must be at least ${issue.minimum}` : issue.message;
    case 'too_big':
      return issue.origin === 'number' ? `must be at most ${issue.maximum}` : issue.message;
    case 'invalid_union': {
      // A value with two spellings (a path, or {path, unit, …}): the branch whose own check failed says most.
      const branches = issue.errors.flat();
      const best = branches.find((b) => b.code === 'custom') ?? branches[0];
      return best ? describeIssue(best) : issue.message;
    }
    default:
      return issue.message;
  }
}
