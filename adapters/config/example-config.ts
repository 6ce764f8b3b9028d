import { writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, SmolError } from '../../core/errors.js';
import { configSchema } from './schema.js';
import { arrayElement, describeField, isPerMachine, objectShape } from './schema-walk.js';

// Generated from the schema, so a new section shows up here without anyone editing this file.

function fieldNote(field: z.ZodType, path: string): string {
  const note = describeField(field);
  if (note === undefined) throw new TypeError(`config key ${path} has no description`);
  return ` ${note}`;
}

/** Puts each field's description above its key; per-machine keys become commented-out lines. */
function annotate(map: YAML.YAMLMap, schema: z.ZodType, prefix: string): void {
  const shape = objectShape(schema);
  if (!shape) return;
  let carried: string[] = []; // commented-out keys, shown above the next live key
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const pair = map.items.find((p) => YAML.isScalar(p.key) && p.key.value === key);
    if (!pair || !YAML.isScalar(pair.key)) continue;
    if (isPerMachine(field)) {
      carried.push(fieldNote(field, path), ` ${key}: ${String(pair.value)}`);
      map.delete(key);
      continue;
    }
    pair.key.commentBefore = [...carried, fieldNote(field, path)].join('\n');
    carried = [];
    if (prefix === '' && map.items[0] !== pair) pair.key.spaceBefore = true;
    if (YAML.isMap(pair.value)) annotate(pair.value, field, path);
    const itemShape = objectShape(arrayElement(field) ?? field);
    const first = YAML.isSeq(pair.value) ? pair.value.items[0] : undefined;
    // Above the first item, a line per item field documents every item.
    if (itemShape && arrayElement(field) && YAML.isMap(first)) {
      first.commentBefore = Object.entries(itemShape)
        .map(([k, f]) => ` ${k}:${fieldNote(f, `${path}.*.${k}`)}`)
        .join('\n');
    }
  }
  if (carried.length > 0) throw new TypeError(`config section ${prefix} has only per-machine keys`);
}

/** A commented example config: every key at its default, one line saying what it does. */
export function exampleConfigYaml(): string {
  const doc = new YAML.Document(configSchema.parse({}));
  if (!YAML.isMap(doc.contents)) throw new TypeError('config defaults are not a mapping');
  annotate(doc.contents, configSchema, '');
  doc.commentBefore = [
    ' Smollama configuration. Every key is shown at its default; delete what you do not change.',
    ' Overrides: SMOLLAMA_<KEY>__<SUBKEY> environment variables, then command-line flags',
    ' (e.g. SMOLLAMA_HTTP__PORT=9000, --set sensors.gpio.mode=simulated).',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * Writes the example config for `smollama init`. Throws SMOL_CLI_USAGE when the file exists and
 * `force` is not set, or when it cannot be written there.
 */
export async function writeExampleConfig(path: string, options: { readonly force: boolean }): Promise<void> {
  try {
    // 'wx' fails if the file exists, atomically: no check-then-write race.
    await writeFile(path, exampleConfigYaml(), { flag: options.force ? 'w' : 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'EEXIST'
        ? `init: ${path} already exists; use --force to overwrite it`
        : `init: cannot write ${path}: ${(err as Error).message}`;
    throw new SmolError(ErrorCodes.CLI_USAGE, message, { cause: err, details: { path } });
  }
}
