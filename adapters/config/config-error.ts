import type { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { configSchema } from './schema.js';
import { objectShape, schemaAt } from './schema-walk.js';
import { describeIssue, show } from './zod-issue.js';
import type { SourcedLayers } from './sourced-layers.js';

/** One thing wrong with the merged config: which key, its value, which layer set it, and why. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
  readonly problem: string;
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
