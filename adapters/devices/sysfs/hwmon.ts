/**
 * hwmon (`/sys/class/hwmon/hwmonN`, Documentation/hwmon/sysfs-interface.rst): temperatures,
 * fans, voltages, currents, power of chips with a kernel driver (the Pi's `cpu_thermal`,
 * `rpi_volt`, a `pwmfan`, an INA219, a `sht3x`). Attributes are `<type><N>_input` with an
 * optional `<type><N>_label`. A chip is found by its `name` (hwmonN numbers change at boot).
 */
import { join } from 'node:path';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { HWMON_QUANTITIES, plausible, sourceKey, toUnit, type Quantity } from './quantities.js';
import { type SysfsFiles, badValue, listOrEmpty, readLabel, readNumber } from './sysfs-files.js';

export const HWMON_DIR = ['class', 'hwmon'];

export interface HwmonChannel {
  /** `temperature1`, or the label's key (`cpu`, `vcore`) when the chip labels it. */
  readonly key: string;
  readonly quantity: Quantity;
  readonly file: string;
  readonly label?: string;
}

const ATTR = /^(temp|in|curr|power|energy|fan|humidity)(\d+)_input$/;

/** The channels of a chip directory, keyed by label when there is one. */
export async function hwmonChannels(files: SysfsFiles, dir: string): Promise<HwmonChannel[]> {
  const names = (await listOrEmpty(files, dir)).sort();
  const out: HwmonChannel[] = [];
  const used = new Set<string>();
  for (const file of names) {
    const m = ATTR.exec(file);
    if (!m) continue;
    const [, type = '', n = ''] = m;
    const quantity = HWMON_QUANTITIES[type]!;
    const label = names.includes(`${type}${n}_label`) ? await readLabel(files, join(dir, `${type}${n}_label`)) : undefined;
    let key = label === undefined ? `${quantity.key}${n}` : sourceKey(`${quantity.key}_${label}`);
    if (used.has(key)) key = `${key}_${n}`;
    used.add(key);
    out.push({ key, quantity, file, ...(label === undefined ? {} : { label }) });
  }
  return out;
}

/** The chips present with their names. */
export async function listHwmonChips(files: SysfsFiles, sysRoot: string): Promise<{ dir: string; id: string; name: string | undefined }[]> {
  const base = join(sysRoot, ...HWMON_DIR);
  const ids = (await listOrEmpty(files, base)).filter((n) => /^hwmon\d+$/.test(n)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return Promise.all(ids.map(async (id) => ({ dir: join(base, id), id, name: await readLabel(files, join(base, id, 'name')) })));
}

/** The directory of the chip with this name (the n-th). Throws SMOL_DEVICE_UNAVAILABLE. */
export async function findHwmonChip(files: SysfsFiles, sysRoot: string, name: string, index = 0): Promise<string> {
  const found = (await listHwmonChips(files, sysRoot)).filter((c) => c.name === name)[index];
  if (!found) throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `no hwmon chip named ${name} under ${join(sysRoot, ...HWMON_DIR)}`, { details: { name } });
  return found.dir;
}

/** Reads one channel in its display unit. Throws SMOL_DEVICE_READ_FAILED / SMOL_DEVICE_UNAVAILABLE. */
export async function readHwmonChannel(files: SysfsFiles, dir: string, ch: HwmonChannel): Promise<number> {
  const path = join(dir, ch.file);
  const value = toUnit(ch.quantity, await readNumber(files, path));
  if (!plausible(ch.quantity, value)) throw badValue(path, String(value), `out of range for ${ch.quantity.key}`);
  return value;
}
