/**
 * `sensors.devices`: the list of YAML-declared devices. Each entry is checked against the common
 * keys and then against its platform's own schema (platforms.ts), and every problem names the
 * device and the key: `config: sensors.devices.2.platform = "iio2" (from …): device "attic":
 * unknown platform "iio2" (known: …)`. It is a config error (SMOL_CONFIG_INVALID) before
 * anything starts.
 */
import { z } from 'zod';
import type { FilterSpec } from '../../core/devices/filters/filter.js';
import type { CommonDeviceConfig } from './platform.js';
import { COMMON_DEVICE_KEYS, platformNamed, platformNames } from './platforms.js';
import { parseFilters } from './filter-config.js';
import { objectShape } from '../config/schema-walk.js';
import { describeIssue, show as showValue } from '../config/zod-issue.js';

/** A device name becomes the provider part of its source ids (`attic.temperature`). */
const DEVICE_NAME = /^[a-z][a-z0-9_]*$/;

/** Names of the built-in providers: a device of that name would share their source ids. */
const RESERVED_NAMES = new Set(['system', 'gpio', 'mqtt', 'vision', 'memory', 'node', 'device', 'devices']);

/** A validated device: the common keys and its platform's own, parsed (defaults applied). */
export type DeviceConfig = CommonDeviceConfig & Readonly<Record<string, unknown>>;

const show = (value: unknown) => showValue(value, 40);

const common = z
  .object({
    name: z.string().regex(DEVICE_NAME, 'expected lowercase letters, digits and _, starting with a letter'),
    intervalMs: z.number().int().min(100).optional(),
    label: z.string().min(1).max(80).optional(),
  })
  .strict();

type AddIssue = (path: readonly PropertyKey[], message: string) => void;

/** Checks one device; returns its parsed config, or undefined after adding its problems. */
function parseDevice(raw: unknown, i: number, add: AddIssue): DeviceConfig | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    add([i], `expected a device, e.g. {platform: ${platformNames()[0] ?? 'iio'}, name: attic}`);
    return undefined;
  }
  const item = raw as Record<string, unknown>;
  const who = typeof item['name'] === 'string' && item['name'] !== '' ? `device "${item['name']}"` : `device ${i}`;
  const at = (path: readonly PropertyKey[], message: string) => add([i, ...path], `${who}: ${message}`);
  const known = platformNames().join(', ');
  const platformName = item['platform'];
  if (platformName === undefined) {
    at(['platform'], `missing key platform (one of: ${known})`);
    return undefined;
  }
  const platform = typeof platformName === 'string' ? platformNamed(platformName) : undefined;
  if (!platform) {
    at(['platform'], `unknown platform ${show(platformName)} (known: ${known})`);
    return undefined;
  }
  const commonPart: Record<string, unknown> = {};
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) {
    if (k === 'platform' || k === 'filters' || k === 'sourceFilters') continue;
    if ((COMMON_DEVICE_KEYS as readonly string[]).includes(k)) commonPart[k] = v;
    else own[k] = v;
  }
  let ok = true;
  const fail = (path: readonly PropertyKey[], issue: z.core.$ZodIssue, prefix = '') => {
    ok = false;
    if (issue.code === 'unrecognized_keys') {
      const allowed = [...COMMON_DEVICE_KEYS, ...Object.keys(objectShape(platform.schema) ?? {})].join(', ');
      for (const key of issue.keys) {
        const where = [...path, ...issue.path, key];
        at(where, where.length === 1 ? `${prefix}unknown key for platform ${platform.name} (known: ${allowed})` : `${prefix}unknown key`);
      }
    } else at([...path, ...issue.path], prefix + describeIssue(issue));
  };
  const c = common.safeParse(commonPart);
  if (!c.success) for (const issue of c.error.issues) fail([], issue);
  const p = platform.schema.safeParse(own);
  if (!p.success) for (const issue of p.error.issues) fail([], issue);
  const filters = filterList(item['filters'], ['filters'], at, fail);
  const sourceFilters: Record<string, FilterSpec[]> = {};
  const bySource = item['sourceFilters'];
  if (bySource !== undefined) {
    if (bySource === null || typeof bySource !== 'object' || Array.isArray(bySource)) {
      at(['sourceFilters'], 'expected a mapping of channel → filters, e.g. {humidity: [{delta: 1}]}');
      ok = false;
    } else {
      for (const [channel, list] of Object.entries(bySource)) {
        if (!DEVICE_NAME.test(channel)) at(['sourceFilters', channel], 'expected a channel name (lowercase letters, digits and _)');
        const parsed = filterList(list, ['sourceFilters', channel], at, fail);
        if (parsed) sourceFilters[channel] = parsed;
        else ok = false;
      }
    }
  }
  if (!ok || !c.success || !p.success || !filters) return undefined;
  if (RESERVED_NAMES.has(c.data.name)) {
    at(['name'], `the name "${c.data.name}" is taken by a built-in provider`);
    return undefined;
  }
  return Object.freeze({ ...(p.data as Record<string, unknown>), ...c.data, platform: platform.name, filters, sourceFilters }) as DeviceConfig;
}

function filterList(
  input: unknown,
  path: readonly PropertyKey[],
  at: (path: readonly PropertyKey[], message: string) => void,
  fail: (path: readonly PropertyKey[], issue: z.core.$ZodIssue, prefix?: string) => void,
): FilterSpec[] | undefined {
  if (input === undefined) return [];
  const { filters, problems } = parseFilters(input);
  for (const pr of problems) {
    if (pr.zod) fail([...path, ...pr.path.slice(0, 2)], pr.zod, pr.message);
    else at([...path, ...pr.path], pr.message);
  }
  return problems.length === 0 ? filters : undefined;
}

/** Checks the whole list: each device, then names unique across devices. */
function parseDevices(items: unknown[], ctx: z.RefinementCtx): DeviceConfig[] {
  const add: AddIssue = (path, message) => ctx.addIssue({ code: 'custom', path: [...path], message, input: undefined });
  const out: DeviceConfig[] = [];
  const names = new Map<string, number>();
  items.forEach((raw, i) => {
    const d = parseDevice(raw, i, add);
    if (!d) return;
    const other = names.get(d.name);
    if (other !== undefined) add([i, 'name'], `device "${d.name}": duplicate name (also sensors.devices[${other}])`);
    else names.set(d.name, i);
    out.push(d);
  });
  return out;
}

/** The `sensors.devices` key. */
export const devicesList = z
  .array(z.unknown())
  .transform((items, ctx) => parseDevices(items, ctx))
  .default([])
  .describe('Devices declared in YAML ({platform, name, intervalMs?, filters?, …}); see docs/devices.md');
