/**
 * The I2C port: plain transfers to a 7-bit address on one bus. Implemented over Linux's i2c-dev
 * (`/dev/i2c-N`) in adapters/devices/i2c; tests use byte-level fakes of the chips.
 */
export interface I2cBus {
  /** The bus number (`/dev/i2c-1` on a Pi's header). */
  readonly bus: number;
  /** Writes bytes in one transfer. Throws SMOL_I2C_NO_ACK when the chip does not acknowledge. */
  write(address: number, bytes: readonly number[]): Promise<void>;
  /** Reads `length` bytes in one transfer. Throws SMOL_I2C_NO_ACK. */
  read(address: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Waits, so chip timings (a conversion, an LCD clear) can be injected in tests. */
export type Delay = (ms: number) => Promise<void>;
