/**
 * 1-Wire temperature sensors (`/sys/bus/w1/devices/28-*`: DS18B20; 10-* DS18S20, 22-* DS1822,
 * 3b-* MAX31850, 42-* DS28EA00) through the kernel's w1_therm driver. `w1_slave` holds two lines:
 *
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 *
 * A CRC failure says `NO` (refused). Two values are known lies: 85 °C is the power-on reset value
 * of the scratchpad (the conversion did not run: a brown-out or a too-short conversion), and
 * -127 °C is what libraries and some kernels report for a sensor that did not answer. Both are
 * refused; a real 85 °C is not what people measure with a DS18B20 on a Pi. The serial number is
 * the device's identity, so it is the same after a replug.
 */
import { join } from 'node:path';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { type SysfsFiles, badValue, listOrEmpty, readFailure } from './sysfs-files.js';

export const W1_DIR = ['bus', 'w1', 'devices'];
/** Family codes of w1_therm sensors. */
const THERM_FAMILIES = /^(10|22|28|3b|42)-[0-9a-f]{12}$/;
const POWER_ON_RESET_MILLI = 85_000;
const DISCONNECTED_MILLI = -127_000;

/** The 1-Wire temperature sensors present, by serial (`28-00000abcdef0`). */
export async function listW1Sensors(files: SysfsFiles, sysRoot: string): Promise<string[]> {
  return (await listOrEmpty(files, join(sysRoot, ...W1_DIR))).filter((n) => THERM_FAMILIES.test(n)).sort();
}

/** Parses `w1_slave` into °C; throws SMOL_DEVICE_READ_FAILED for a CRC failure or a known lie. */
export function parseW1Slave(path: string, text: string): number {
  const lines = text.trim().split('\n');
  const crc = /crc=[0-9a-f]{2} (YES|NO)\s*$/.exec(lines[0] ?? '');
  if (!crc) throw badValue(path, text, 'not a w1_slave answer');
  if (crc[1] !== 'YES') throw badValue(path, text, 'CRC check failed');
  const t = /t=(-?\d+)\s*$/.exec(lines[1] ?? '');
  if (!t) throw badValue(path, text, 'no t= value');
  return checkMilli(path, Number(t[1]));
}

function checkMilli(path: string, milli: number): number {
  if (milli === POWER_ON_RESET_MILLI) throw badValue(path, String(milli), '85 °C is the power-on reset value (no conversion)');
  if (milli <= DISCONNECTED_MILLI) throw badValue(path, String(milli), 'the sensor did not answer (-127 °C)');
  const c = milli / 1000;
  if (c < -55 || c > 125) throw badValue(path, String(milli), 'outside the DS18B20 range −55…125 °C');
  return c;
}

/**
 * Reads one sensor in °C: `w1_slave` (every kernel), parsed with its CRC line.
 * Throws SMOL_DEVICE_UNAVAILABLE when the sensor is not on the bus, SMOL_DEVICE_READ_FAILED otherwise.
 */
export async function readW1Temperature(files: SysfsFiles, sysRoot: string, serial: string): Promise<number> {
  const path = join(sysRoot, ...W1_DIR, serial, 'w1_slave');
  let text: string;
  try {
    text = await files.readText(path);
  } catch (err) {
    throw readFailure(path, err);
  }
  return parseW1Slave(path, text);
}

/** The sensor a config means: its serial, or the only one present. Throws SMOL_DEVICE_UNAVAILABLE. */
export async function resolveW1Serial(files: SysfsFiles, sysRoot: string, serial: string | undefined): Promise<string> {
  if (serial !== undefined) return serial;
  const present = await listW1Sensors(files, sysRoot);
  if (present.length === 1) return present[0]!;
  throw new SmolError(
    ErrorCodes.DEVICE_UNAVAILABLE,
    present.length === 0 ? 'no 1-Wire temperature sensor on the bus (dtoverlay=w1-gpio in config.txt?)' : `several 1-Wire sensors (${present.join(', ')}): set id`,
    { details: { present } },
  );
}
