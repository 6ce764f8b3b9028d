/**
 * I2C sensors without a kernel driver — `i2c-bh1750` (light) and `i2c-sht31` (temperature and
 * humidity) — read through the node's I2C port. A chip that does not acknowledge, or answers with
 * a bad CRC, is a failed read (counted, absent); the next good read recovers by itself.
 */
import { z } from 'zod';
import type { DeviceInstance, DeviceSourceInfo } from '../../../core/devices/device-port.js';
import type { I2cBus } from '../../../core/devices/i2c-port.js';
import { ErrorCodes, isSmolError } from '../../../core/errors.js';
import { readBh1750, readSht31 } from '../i2c/i2c-sensors.js';
import { definePlatform, type DeviceContext } from '../platform.js';

const bus = z.number().int().min(0).max(31).default(1).describe('the I2C bus: /dev/i2c-<bus> (1 on the 40-pin header)');
const address = (defaults: readonly number[]) =>
  z
    .number()
    .int()
    .refine((a) => defaults.includes(a), `expected one of ${defaults.map((a) => `0x${a.toString(16)}`).join(', ')}`)
    .default(defaults[0]!)
    .describe(`the chip's address (${defaults.map((a) => `0x${a.toString(16)}`).join(' or ')})`);

interface Channel {
  readonly key: string;
  readonly unit: string;
  readonly deviceClass: string;
}

/** A polled I2C chip: `measure` reads all its channels at once. */
function i2cDevice(ctx: DeviceContext, platform: string, intervalMs: number, busNumber: number, channels: readonly Channel[], measure: (bus: I2cBus) => Promise<Record<string, number>>): DeviceInstance {
  const infos: DeviceSourceInfo[] = channels.map((c) => ({
    source: ctx.sourceId(c.key),
    provider: ctx.name,
    device: ctx.name,
    platform,
    unit: c.unit,
    deviceClass: c.deviceClass,
    simulated: false,
  }));
  let open: I2cBus | undefined;
  return {
    name: ctx.name,
    device: ctx.name,
    platform,
    intervalMs,
    sources: () => infos,
    stats: () => ctx.reads.stats(),
    async sample() {
      try {
        open ??= await ctx.i2cBus(busNumber);
        const values = await measure(open);
        const out: Record<string, number> = {};
        for (const c of channels) {
          const v = values[c.key];
          if (v !== undefined && Number.isFinite(v)) {
            out[ctx.sourceId(c.key)] = v;
            ctx.reads.ok(ctx.sourceId(c.key));
          }
        }
        return out;
      } catch (err) {
        const code = isSmolError(err) ? err.code : ErrorCodes.DEVICE_READ_FAILED;
        if (code === ErrorCodes.DEVICE_UNAVAILABLE) open = undefined;
        for (const info of infos) ctx.reads.fail(info.source, code, err instanceof Error ? err.message : String(err));
        return {};
      }
    },
    async close() {
      // The bus is the node's (shared by devices on it); the context closes it.
    },
  };
}

export const bh1750Platform = definePlatform({
  name: 'i2c-bh1750',
  description: 'a BH1750 ambient light sensor on I2C (lux)',
  defaultIntervalMs: 10_000,
  schema: z.object({ bus, address: address([0x23, 0x5c]) }).strict(),
  create: (config, ctx) =>
    i2cDevice(ctx, 'i2c-bh1750', config.intervalMs ?? 10_000, config.bus, [{ key: 'illuminance', unit: 'lx', deviceClass: 'illuminance' }], async (b) => ({
      illuminance: await readBh1750(b, config.address, (ms) => ctx.timers.delay(ms)),
    })),
});

export const sht31Platform = definePlatform({
  name: 'i2c-sht31',
  description: 'a Sensirion SHT31 temperature and humidity sensor on I2C (CRC-checked)',
  defaultIntervalMs: 10_000,
  schema: z.object({ bus, address: address([0x44, 0x45]) }).strict(),
  create: (config, ctx) =>
    i2cDevice(
      ctx,
      'i2c-sht31',
      config.intervalMs ?? 10_000,
      config.bus,
      [
        { key: 'temperature', unit: '°C', deviceClass: 'temperature' },
        { key: 'humidity', unit: '%', deviceClass: 'humidity' },
      ],
      (b) => readSht31(b, config.address, (ms) => ctx.timers.delay(ms)),
    ),
});
