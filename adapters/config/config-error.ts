import type { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { configSchema } from './schema.js';
import { objectShape, schemaAt } from './schema-walk.js';
import type { SourcedLayers } from './sourced-layers.js';

/** One thing wrong with the merged config: which key, its value, which layer set it, and why. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
  readonly problem: string;
}

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

function unknownKeyProblem(parent: readonly PropertyKey[]): string {
  const shape = objectShape(schemaAt(configSchema, parent) ?? configSchema);
  return shape ? `unknown key (known here: ${Object.keys(shape).join(', ')})` : 'unknown key';
}

/** Each zod issue as a problem naming its key, value and source; unknown keys one by one. */
export function configProblems(issues: readonly z.core.$ZodIssue[], layers: SourcedLayers): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], problem: string): void => {
    problems.push({
      key: path.length === 0 ? '(top level)' : path.map(String).join('.'),
      value: layers.valueAt(path),
      source: layers.sourceOf(path),
      problem,
    });
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], unknownKeyProblem(issue.path));
    } else {
      add(issue.path, describeIssue(issue));
    }
  }
  return problems;
}

/** `config: <key> = <value> (from <source>): <problem>`, or without `= value` when it is missing. */
export function formatProblem(p: ConfigProblem): string {
  const value = p.value === undefined ? '' : ` = ${show(p.value)}`;
  return `config: ${p.key}${value} (from ${p.source}): ${p.problem}`;
}

/** The SMOL_CONFIG_INVALID error for failed validation: one line per problem. */
export function configInvalidError(issues: readonly z.core.$ZodIssue[], layers: SourcedLayers): SmolError {
  const problems = configProblems(issues, layers);
  return new SmolError(ErrorCodes.CONFIG_INVALID, problems.map(formatProblem).join('\n'), {
    details: { problems },
  });
}
