import path from 'node:path';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';
import { chooseConfigFile, readConfigFile } from './config-file.js';
import { envAssignments, flagAssignments } from './inputs.js';
import type { ConfigFlags } from './inputs.js';
import { configInvalidError } from './config-error.js';
import { SourcedLayers } from './sourced-layers.js';

export type { ConfigFlags } from './inputs.js';

/** What loadConfig reads. `env` is passed in so nothing else in the program reads process.env. */
export interface LoadConfigOptions {
  /** The `--config` path; relative to `cwd`. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags: ConfigFlags;
  /** Relative paths (config file, dataDir) are resolved against this. */
  readonly cwd: string;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Builds the configuration: defaults < YAML file < `SMOLLAMA_*` env < flags, validated once and
 * deep-frozen, with `dataDir` made absolute. Reads at most one file and writes nothing.
 * Throws SMOL_CONFIG_UNREADABLE (named file missing, YAML syntax error), SMOL_CONFIG_INVALID
 * (bad or unknown key, unknown env variable; the message names key, value and source).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<Readonly<Config>> {
  const { env, flags, cwd } = options;
  const layers = new SourcedLayers();
  const choice = chooseConfigFile(options.file, env, cwd);
  const fileData = await readConfigFile(choice);
  if (fileData) layers.merge(fileData, choice.path);
  // Env and flags are checked before validation so their own mistakes are reported first.
  for (const a of [...envAssignments(env), ...flagAssignments(flags)]) layers.set(a.path, a.value, a.source);

  const parsed = configSchema.safeParse(layers.raw);
  if (!parsed.success) throw configInvalidError(parsed.error.issues, layers);
  return deepFreeze({ ...parsed.data, dataDir: path.resolve(cwd, parsed.data.dataDir) });
}
