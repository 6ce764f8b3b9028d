/**
 * The I2C port over Linux's i2c-dev through `i2c-bus`. A chip that does not acknowledge makes the
 * transfer fail with EREMOTEIO (or ENXIO / EIO, by controller): that is SMOL_I2C_NO_ACK. A bus
 * that is not there (`dtparam=i2c_arm=on` missing) is SMOL_DEVICE_UNAVAILABLE.
 */
import { ErrorCodes, SmolError } from '../../../core/errors.js';
import type { I2cBus } from '../../../core/devices/i2c-port.js';

const NO_ACK = new Set(['EREMOTEIO', 'ENXIO', 'EIO', 'ETIMEDOUT']);

function ackError(bus: number, address: number, err: unknown): SmolError {
  const errno = (err as NodeJS.ErrnoException | undefined)?.code;
  const where = `i2c-${bus} 0x${address.toString(16).padStart(2, '0')}`;
  if (errno !== undefined && NO_ACK.has(errno)) return new SmolError(ErrorCodes.I2C_NO_ACK, `${where}: no acknowledge (${errno})`, { cause: err, details: { bus, address, errno } });
  return new SmolError(ErrorCodes.DEVICE_READ_FAILED, `${where}: ${errno ?? String(err)}`, { cause: err, details: { bus, address } });
}

/** Opens `/dev/i2c-<bus>`. Throws SMOL_DEVICE_UNAVAILABLE when the bus (or the binding) is not there. */
export async function openI2cDevBus(bus: number): Promise<I2cBus> {
  let handle: import('i2c-bus').PromisifiedBus;
  try {
    const i2c = await import('i2c-bus');
    handle = await i2c.openPromisified(bus);
  } catch (err) {
    throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `/dev/i2c-${bus} cannot be opened (enable I2C: dtparam=i2c_arm=on in config.txt; is the user in the i2c group?)`, {
      cause: err,
      details: { bus },
    });
  }
  return {
    bus,
    async write(address, bytes) {
      const buf = Buffer.from(bytes);
      try {
        await handle.i2cWrite(address, buf.length, buf);
      } catch (err) {
        throw ackError(bus, address, err);
      }
    },
    async read(address, length) {
      const buf = Buffer.alloc(length);
      try {
        const { bytesRead } = await handle.i2cRead(address, length, buf);
        if (bytesRead !== length) throw Object.assign(new Error(`short read ${bytesRead}/${length}`), { code: 'EIO' });
      } catch (err) {
        throw ackError(bus, address, err);
      }
      return new Uint8Array(buf);
    },
    close: () => handle.close(),
  };
}
