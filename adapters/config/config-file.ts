import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { isPlainObject } from './sourced-layers.js';
import { yamlData } from './safe-yaml.js';

/** The file name looked for in the working directory when no file is named. */
export const DEFAULT_CONFIG_FILE = 'smollama.yaml';

/** Which config file to read, and who asked for it (undefined: only the default location). */
export interface ConfigFileChoice {
  readonly path: string;
  readonly namedBy: '--config' | 'SMOLLAMA_CONFIG' | undefined;
}

/** `--config` wins over `SMOLLAMA_CONFIG`, which wins over `./smollama.yaml`. */
export function chooseConfigFile(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): ConfigFileChoice {
  if (file !== undefined && file !== '') return { path: path.resolve(cwd, file), namedBy: '--config' };
  const fromEnv = env['SMOLLAMA_CONFIG'];
  if (fromEnv !== undefined && fromEnv !== '') return { path: path.resolve(cwd, fromEnv), namedBy: 'SMOLLAMA_CONFIG' };
  return { path: path.resolve(cwd, DEFAULT_CONFIG_FILE), namedBy: undefined };
}

/** A config is a few kilobytes; anything this large is a mistake (or an attack on a small Pi's memory). */
const MAX_CONFIG_BYTES = 1024 * 1024;

const READ_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a directory in its path is a file',
  ENOTFILE: 'is not a regular file',
  ETOOBIG: `is larger than ${MAX_CONFIG_BYTES} bytes`,
};

/**
 * Reads and parses the chosen file; undefined when the default file simply is not there.
 * Throws SMOL_CONFIG_UNREADABLE (named file missing or unreadable, YAML syntax error with its
 * line), SMOL_CONFIG_INVALID (the document is not a mapping; an alias bomb, a self-referencing
 * alias or a list used as a key).
 */
export async function readConfigFile(choice: ConfigFileChoice): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    // A device or FIFO (`--config /dev/zero`) would be read forever, a huge file whole: refuse both.
    const info = await stat(choice.path);
    if (!info.isFile()) throw Object.assign(new Error('not a regular file'), { code: info.isDirectory() ? 'EISDIR' : 'ENOTFILE' });
    if (info.size > MAX_CONFIG_BYTES) throw Object.assign(new Error(`larger than ${MAX_CONFIG_BYTES} bytes`), { code: 'ETOOBIG' });
    text = await readFile(choice.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT' && choice.namedBy === undefined) return undefined;
    const by = choice.namedBy === undefined ? '' : ` (named by ${choice.namedBy})`;
    const problem = READ_PROBLEMS[code] ?? (err as Error).message;
    throw new SmolError(ErrorCodes.CONFIG_UNREADABLE, `config: cannot read ${choice.path}${by}: ${problem}`, {
      cause: err,
      details: { file: choice.path },
    });
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const where = syntax.linePos?.[0];
    // The library's message ends with a code excerpt; its first line already says "at line L, column C".
    const summary = (syntax.message.split('\n')[0] ?? syntax.code).replace(/:$/, '');
    throw new SmolError(ErrorCodes.CONFIG_UNREADABLE, `config: cannot parse ${choice.path}: ${summary}`, {
      cause: syntax,
      details: { file: choice.path, line: where?.line, column: where?.col },
    });
  }
  const converted = yamlData(doc, text);
  if ('problem' in converted) {
    const { message, line, column } = converted.problem;
    throw new SmolError(ErrorCodes.CONFIG_INVALID, `config: ${choice.path}${line ? ` line ${line}` : ''}: ${message}`, {
      details: { file: choice.path, line, column },
    });
  }
  const data = converted.data;
  if (data === null || data === undefined) return {}; // an empty file, or only comments
  if (!isPlainObject(data)) {
    throw new SmolError(
      ErrorCodes.CONFIG_INVALID,
      `config: ${choice.path} must be a mapping of keys to values, found ${Array.isArray(data) ? 'a list' : JSON.stringify(data)}`,
      { details: { file: choice.path } },
    );
  }
  return data;
}
