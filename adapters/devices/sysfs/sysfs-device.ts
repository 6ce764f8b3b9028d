/**
 * A device read through sysfs: finds its directory (again, whenever it has gone missing), knows
 * its channels, reads them each poll, and counts what it refused. A channel that fails is absent
 * from the sample and counted; the device recovers by itself when it reads sanely again.
 */
import type { DeviceInstance, DeviceReadStats, DeviceSourceInfo } from '../../../core/devices/device-port.js';
import { ErrorCodes, SmolError, isSmolError } from '../../../core/errors.js';

export interface SysfsChannel {
  readonly key: string;
  readonly unit?: string;
  readonly deviceClass?: string;
  readonly label?: string;
}

export interface SysfsDeviceOptions<C extends SysfsChannel> {
  /** The configured name; sources are `<device>.<channel key>`. */
  readonly device: string;
  readonly platform: string;
  readonly intervalMs: number;
  /** Finds the device's directory; throws SMOL_DEVICE_UNAVAILABLE when it is not there. */
  readonly locate: () => Promise<string>;
  /** The channels the directory offers. */
  readonly channels: (dir: string) => Promise<C[]>;
  readonly read: (dir: string, channel: C) => Promise<number>;
  /** Only these channel keys (config `channels`); all when absent. */
  readonly only?: readonly string[];
  /** Told about every refused read (the unit logs it, rate-limited). */
  readonly onFailure?: (source: string, error: SmolError) => void;
  /** Told about every good read (the device framework's read recorder). */
  readonly onRead?: (source: string) => void;
  readonly now?: () => number;
}

/** A DeviceInstance over a sysfs directory. */
export function sysfsDevice<C extends SysfsChannel>(options: SysfsDeviceOptions<C>): DeviceInstance & { refresh(): Promise<void> } {
  const now = options.now ?? Date.now;
  const stats = new Map<string, { ok: number; failed: number; lastError?: DeviceReadStats['lastError'] }>();
  let located: { dir: string; channels: C[] } | undefined;
  let known: DeviceSourceInfo[] = (options.only ?? []).map((key) => info(key));

  function info(key: string, ch?: C): DeviceSourceInfo {
    return {
      source: `${options.device}.${key}`,
      provider: options.device,
      device: options.device,
      platform: options.platform,
      simulated: false,
      ...(ch?.unit === undefined ? {} : { unit: ch.unit }),
      ...(ch?.deviceClass === undefined ? {} : { deviceClass: ch.deviceClass }),
      ...(ch?.label === undefined ? {} : { label: ch.label }),
    };
  }

  function stat(source: string) {
    let s = stats.get(source);
    if (!s) stats.set(source, (s = { ok: 0, failed: 0 }));
    return s;
  }

  function fail(source: string, error: SmolError): void {
    const s = stat(source);
    s.failed += 1;
    s.lastError = { code: error.code, message: error.message, atMs: now() };
    options.onFailure?.(source, error);
  }

  async function locate(): Promise<{ dir: string; channels: C[] }> {
    const dir = await options.locate();
    const all = await options.channels(dir);
    const channels = options.only ? all.filter((c) => options.only!.includes(c.key)) : all;
    if (options.only) {
      const missing = options.only.filter((k) => !all.some((c) => c.key === k));
      if (missing.length > 0) {
        throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `${options.device}: no channel ${missing.join(', ')} in ${dir} (has ${all.map((c) => c.key).join(', ') || 'none'})`, {
          details: { missing, dir },
        });
      }
    }
    known = channels.map((c) => info(c.key, c));
    return { dir, channels };
  }

  const device: DeviceInstance & { refresh(): Promise<void> } = {
    name: options.device,
    device: options.device,
    platform: options.platform,
    intervalMs: options.intervalMs,
    sources: () => known,
    stats: () => stats,
    async refresh() {
      located = await locate();
    },
    async sample() {
      if (!located) {
        try {
          located = await locate();
        } catch (err) {
          const e = isSmolError(err) ? err : new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `${options.device}: ${String(err)}`, { cause: err });
          for (const s of known.length > 0 ? known : [info('device')]) fail(s.source, e);
          return {};
        }
      }
      const { dir, channels } = located;
      const out: Record<string, number> = {};
      let gone = false;
      await Promise.all(
        channels.map(async (ch) => {
          const source = `${options.device}.${ch.key}`;
          try {
            out[source] = await options.read(dir, ch);
            const s = stat(source);
            s.ok += 1;
            delete s.lastError;
            options.onRead?.(source);
          } catch (err) {
            const e = isSmolError(err) ? err : new SmolError(ErrorCodes.DEVICE_READ_FAILED, `${source}: ${String(err)}`, { cause: err });
            if (e.code === ErrorCodes.DEVICE_UNAVAILABLE) gone = true;
            fail(source, e);
          }
        }),
      );
      // Unplugged: look for it again next time (it may come back as another iio:deviceN / hwmonN).
      if (gone) located = undefined;
      return out;
    },
  };
  return device;
}
