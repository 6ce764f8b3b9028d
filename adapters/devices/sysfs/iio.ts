/**
 * IIO devices (`/sys/bus/iio/devices/iio:deviceN`): DHT11/DHT22 (`dtoverlay=dht11`), BME280/
 * BMP280/BME680, SHT3x, HC-SR04 (`dtoverlay=hcsr04`), light sensors, ADCs. A channel is read from
 * `in_<type><index>[_<modifier>]_input` (already scaled), or from `_raw` as
 * `(raw + offset) * scale`, where offset and scale are per channel or shared by the type
 * (sysfs-bus-iio). A device is found by its `name` each time it is missing, so one that was
 * unplugged and came back under another number is read again.
 */
import { join } from 'node:path';
import { IIO_QUANTITIES, plausible, sourceKey, toUnit, type Quantity } from './quantities.js';
import { type SysfsFiles, badValue, listOrEmpty, readLabel, readNumber } from './sysfs-files.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';

export const IIO_DIR = ['bus', 'iio', 'devices'];

/** One readable channel of an IIO device. */
export interface IioChannel {
  /** Key in source ids: `temperature`, `humidity`, `voltage0`, `intensity_ir`. */
  readonly key: string;
  readonly quantity: Quantity;
  /** The attribute read: `in_temp_input` or `in_voltage0_raw`. */
  readonly file: string;
  readonly raw: boolean;
  /** Per-channel first, then shared `in_<type>_scale` / `_offset`. */
  readonly scaleFiles: readonly string[];
  readonly offsetFiles: readonly string[];
}

const CHANNEL = /^in_([a-z]+?)(\d*)((?:_[a-z]+)*)_(input|raw)$/;

/** The channels a device directory offers (an `_input` wins over the `_raw` of the same channel). */
export function iioChannels(names: readonly string[]): IioChannel[] {
  const byKey = new Map<string, IioChannel>();
  for (const file of [...names].sort()) {
    const m = CHANNEL.exec(file);
    if (!m) continue;
    const [, type = '', index = '', modifier = '', info] = m;
    const quantity = IIO_QUANTITIES[type];
    if (!quantity) continue;
    const key = sourceKey(`${quantity.key}${index}${modifier}`);
    const raw = info === 'raw';
    if (raw && byKey.has(key)) continue;
    const stem = `in_${type}${index}${modifier}`;
    byKey.set(key, {
      key,
      quantity,
      file,
      raw,
      scaleFiles: [`${stem}_scale`, `in_${type}_scale`].filter((f) => names.includes(f)),
      offsetFiles: [`${stem}_offset`, `in_${type}_offset`].filter((f) => names.includes(f)),
    });
  }
  return [...byKey.values()];
}

/** The device directories present, with their `name` (e.g. `dht11`, `bme280`). */
export async function listIioDevices(files: SysfsFiles, sysRoot: string): Promise<{ dir: string; id: string; name: string | undefined }[]> {
  const base = join(sysRoot, ...IIO_DIR);
  const ids = (await listOrEmpty(files, base)).filter((n) => /^iio:device\d+$/.test(n)).sort((a, b) => Number(a.slice(10)) - Number(b.slice(10)));
  return Promise.all(ids.map(async (id) => ({ dir: join(base, id), id, name: await readLabel(files, join(base, id, 'name')) })));
}

/** Which device to read: by driver name (the n-th of that name), or by `iio:deviceN`. */
export interface IioSelector {
  readonly name?: string;
  readonly index?: number;
  readonly id?: string;
}

/** Finds the directory of the selected device; throws SMOL_DEVICE_UNAVAILABLE when it is not there. */
export async function findIioDevice(files: SysfsFiles, sysRoot: string, sel: IioSelector): Promise<string> {
  const devices = await listIioDevices(files, sysRoot);
  const matches = devices.filter((d) => (sel.id === undefined || d.id === sel.id) && (sel.name === undefined || d.name === sel.name));
  const found = matches[sel.index ?? 0];
  if (!found) {
    const what = sel.id ?? `${sel.name ?? 'any'}${sel.index ? ` #${sel.index}` : ''}`;
    throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `no IIO device ${what} under ${join(sysRoot, ...IIO_DIR)}`, { details: { selector: sel } });
  }
  return found.dir;
}

async function firstNumber(files: SysfsFiles, dir: string, names: readonly string[]): Promise<number | undefined> {
  const name = names[0];
  return name === undefined ? undefined : readNumber(files, join(dir, name));
}

/** Reads one channel in its display unit; throws SMOL_DEVICE_READ_FAILED / SMOL_DEVICE_UNAVAILABLE. */
export async function readIioChannel(files: SysfsFiles, dir: string, ch: IioChannel): Promise<number> {
  const path = join(dir, ch.file);
  const value = await readNumber(files, path);
  let kernel = value;
  if (ch.raw) {
    if (!Number.isInteger(value)) throw badValue(path, String(value), 'a _raw value must be an integer');
    const [scale, offset] = await Promise.all([firstNumber(files, dir, ch.scaleFiles), firstNumber(files, dir, ch.offsetFiles)]);
    kernel = (value + (offset ?? 0)) * (scale ?? 1);
  }
  const shown = toUnit(ch.quantity, kernel);
  if (!plausible(ch.quantity, shown)) throw badValue(path, String(value), `out of range for ${ch.quantity.key} (${shown} ${ch.quantity.unit ?? ''})`.trim());
  return shown;
}
