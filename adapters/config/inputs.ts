import YAML from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { configSchema } from './schema.js';
import { configLeaves, schemaAt, takesText } from './schema-walk.js';
import { yamlData } from './safe-yaml.js';

/** Config given on the command line. `set` holds `key.path=value` strings, as for `--set`. */
export interface ConfigFlags {
  readonly dataDir?: string | undefined;
  readonly name?: string | undefined;
  readonly role?: string | undefined;
  readonly port?: string | number | undefined;
  readonly logLevel?: string | undefined;
  readonly set?: readonly string[] | undefined;
}

/** One value from env or flags, with the key it sets and where it came from. */
export interface ConfigAssignment {
  readonly path: readonly string[];
  readonly value: unknown;
  readonly source: string;
}

const ENV_PREFIX = 'SMOLLAMA_';
// Names the loader itself reads rather than config keys.
const ENV_RESERVED = new Set(['SMOLLAMA_CONFIG']);

/** `intervalMs` → `INTERVAL_MS`. */
function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The env variable for a key path: `SMOLLAMA_` + UPPER_SNAKE parts joined by `__`. */
export function envNameFor(path: readonly string[]): string {
  return ENV_PREFIX + path.map(upperSnake).join('__');
}

const leaves = configLeaves(configSchema);
const leafByEnv = new Map(leaves.map((l) => [envNameFor(l.path), l]));
const leafByDots = new Map(leaves.map((l) => [l.path.join('.'), l]));

/**
 * Env and flag values are text: parse them as YAML (`8080` → number, `true` → boolean,
 * `[a, b]` → list), except for keys that take text, so a node named `0123` stays `"0123"`.
 */
function parseValue(text: string, schema: z.ZodType): unknown {
  if (takesText(schema)) return text;
  // A value YAML cannot turn into plain data (syntax, alias bomb, cycle) stays text: the schema will say what was expected.
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) return text;
  const converted = yamlData(doc, text);
  return 'data' in converted ? converted.data : text;
}

function invalid(message: string, details: Record<string, unknown>): SmolError {
  return new SmolError(ErrorCodes.CONFIG_INVALID, message, { details });
}

/**
 * The `SMOLLAMA_*` variables as assignments. Empty values count as unset.
 * Throws SMOL_CONFIG_INVALID naming a variable that maps to no key.
 */
export function envAssignments(env: Readonly<Record<string, string | undefined>>): ConfigAssignment[] {
  const out: ConfigAssignment[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_RESERVED.has(name) || text === undefined || text === '') continue;
    const leaf = leafByEnv.get(name);
    if (!leaf) {
      const known = [...leafByEnv.keys(), ...ENV_RESERVED].join(', ');
      throw invalid(`config: unknown environment variable ${name} (known: ${known})`, { variable: name });
    }
    out.push({ path: leaf.path, value: parseValue(text, leaf.schema), source: name });
  }
  return out;
}

// The named flags; each is shorthand for one key.
const NAMED_FLAGS = [
  { flag: 'dataDir', cli: '--data-dir', path: ['dataDir'] },
  { flag: 'name', cli: '--name', path: ['node', 'name'] },
  { flag: 'role', cli: '--role', path: ['node', 'role'] },
  { flag: 'port', cli: '--port', path: ['http', 'port'] },
  { flag: 'logLevel', cli: '--log-level', path: ['log', 'level'] },
] as const;

/**
 * Flags as assignments: `--set` entries first, then the named flags, which are more specific.
 * Throws SMOL_CONFIG_INVALID for a `--set` without `=` or naming no known key.
 */
export function flagAssignments(flags: ConfigFlags): ConfigAssignment[] {
  const out: ConfigAssignment[] = [];
  for (const entry of flags.set ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw invalid(`config: --set ${entry}: expected key.path=value`, { flag: '--set', value: entry });
    const key = entry.slice(0, eq).trim();
    const source = `--set ${key}`;
    const leaf = leafByDots.get(key);
    if (!leaf) {
      const where = schemaAt(configSchema, key.split('.')) ? 'not a single setting' : 'unknown key';
      throw invalid(`config: ${key} (from ${source}): ${where}`, { flag: '--set', key });
    }
    out.push({ path: leaf.path, value: parseValue(entry.slice(eq + 1), leaf.schema), source });
  }
  for (const { flag, cli, path } of NAMED_FLAGS) {
    const value = flags[flag];
    if (value === undefined) continue;
    const schema = schemaAt(configSchema, path);
    if (!schema) throw new TypeError(`flag ${cli} maps to missing config key ${path.join('.')}`);
    out.push({ path, value: typeof value === 'string' ? parseValue(value, schema) : value, source: cli });
  }
  return out;
}
