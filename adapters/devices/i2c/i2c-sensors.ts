/**
 * I2C sensors without a kernel driver, read through the I2C port:
 * - BH1750 ambient light (0x23, or 0x5C with ADDR high): power on, one-time high-resolution
 *   measurement (0x20), 180 ms, two bytes; lux = raw / 1.2 (datasheet).
 * - SHT31 temperature and humidity (0x44 / 0x45): single shot, high repeatability, no clock
 *   stretching (0x24 0x00), 15 ms, six bytes with a CRC per word; a CRC mismatch is refused.
 */
import type { Delay, I2cBus } from '../../../core/devices/i2c-port.js';
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import { sensirionCrc } from './sensirion-crc.js';

export const BH1750 = { POWER_ON: 0x01, ONE_TIME_HIGH_RES: 0x20, MEASURE_MS: 180 } as const;
export const SHT31 = { SINGLE_SHOT_HIGH: [0x24, 0x00], MEASURE_MS: 16 } as const;

/** One BH1750 measurement in lux. Throws SMOL_I2C_NO_ACK. */
export async function readBh1750(bus: I2cBus, address: number, delay: Delay): Promise<number> {
  await bus.write(address, [BH1750.POWER_ON]);
  await bus.write(address, [BH1750.ONE_TIME_HIGH_RES]);
  await delay(BH1750.MEASURE_MS);
  const [hi = 0, lo = 0] = await bus.read(address, 2);
  return Number((((hi << 8) | lo) / 1.2).toFixed(2));
}

/** One SHT31 measurement. Throws SMOL_I2C_NO_ACK, SMOL_DEVICE_READ_FAILED (CRC mismatch). */
export async function readSht31(bus: I2cBus, address: number, delay: Delay): Promise<{ temperature: number; humidity: number }> {
  await bus.write(address, SHT31.SINGLE_SHOT_HIGH);
  await delay(SHT31.MEASURE_MS);
  const b = [...(await bus.read(address, 6))];
  for (const at of [0, 3]) {
    if (sensirionCrc(b.slice(at, at + 2)) !== b[at + 2]) {
      throw new SmolError(ErrorCodes.DEVICE_READ_FAILED, `SHT31 at 0x${address.toString(16)}: CRC mismatch in word ${at / 3}`, { details: { address } });
    }
  }
  const t = ((b[0]! << 8) | b[1]!) / 65535;
  const rh = ((b[3]! << 8) | b[4]!) / 65535;
  return { temperature: Number((-45 + 175 * t).toFixed(2)), humidity: Number((100 * rh).toFixed(2)) };
}
