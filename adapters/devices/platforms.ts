/**
 * The platform registry: every platform a `sensors.devices` entry may name. A new platform is one
 * file in platforms/ (exporting a definePlatform(…)) and one entry in BUILTIN_PLATFORMS below.
 * Tests may register a fake platform (and remove it) before they load a config that uses it.
 */
import { objectShape } from '../config/schema-walk.js';
import type { DevicePlatform } from './platform.js';
import { gpioCounterPlatform } from './platforms/gpio-counter.js';
import { externalJsonPlatform } from './platforms/external-json.js';
import { hwmonPlatform, iioPlatform, w1Platform } from './platforms/sysfs-kernel.js';
import { bh1750Platform, sht31Platform } from './platforms/i2c-sensors.js';

const BUILTIN_PLATFORMS: readonly DevicePlatform[] = [iioPlatform, w1Platform, hwmonPlatform, bh1750Platform, sht31Platform, gpioCounterPlatform, externalJsonPlatform];

/** Keys the framework owns on every device; a platform's schema may not declare them. */
export const COMMON_DEVICE_KEYS = ['platform', 'name', 'intervalMs', 'label', 'filters', 'sourceFilters'] as const;

const registry = new Map<string, DevicePlatform>();

/** Adds a platform. Throws TypeError for a duplicate name, a non-object schema, or a schema with a common key. */
export function registerPlatform(platform: DevicePlatform): void {
  if (!/^[a-z][a-z0-9-]*$/.test(platform.name)) throw new TypeError(`platform name ${JSON.stringify(platform.name)}: lowercase letters, digits and -`);
  if (registry.has(platform.name)) throw new TypeError(`platform ${platform.name} is registered twice`);
  const shape = objectShape(platform.schema);
  if (!shape) throw new TypeError(`platform ${platform.name}: its schema must be a z.object`);
  const clash = COMMON_DEVICE_KEYS.find((k) => k in shape);
  if (clash) throw new TypeError(`platform ${platform.name}: its schema redeclares the common key ${clash}`);
  registry.set(platform.name, platform);
}

/** Removes a platform (tests). */
export function unregisterPlatform(name: string): void {
  registry.delete(name);
}

/** The platform of that name, or undefined. */
export function platformNamed(name: string): DevicePlatform | undefined {
  return registry.get(name);
}

/** Every registered platform's name, sorted. */
export function platformNames(): string[] {
  return [...registry.keys()].sort();
}

for (const p of BUILTIN_PLATFORMS) registerPlatform(p);
