/**
 * Byte- and line-level fakes of the chips, which check the protocol as the chips would: an
 * HD44780 behind a PCF8574 that decodes E pulses into nibbles and holds a display buffer, a
 * BH1750 and an SHT31 that answer only after their measurement commands, and a TM1637 that
 * watches its two lines for start, bits, ACK clocks and stop.
 */
import { ErrorCodes, SmolError } from '../../core/errors.js';
import type { I2cBus } from '../../core/devices/i2c-port.js';
import type { Tm1637Lines } from '../../adapters/devices/outputs/tm1637.js';
import { sensirionCrc } from '../../adapters/devices/i2c/sensirion-crc.js';

/** A chip on the fake bus. */
export interface FakeChip {
  write(bytes: readonly number[]): void;
  read(length: number): number[];
}

/** An I2C bus with chips at addresses; an address with no chip does not acknowledge. */
export class FakeI2cBus implements I2cBus {
  readonly chips = new Map<number, FakeChip>();
  readonly bus = 1;
  /** Addresses that stop acknowledging (a loose wire). */
  readonly silent = new Set<number>();

  private chip(address: number): FakeChip {
    const chip = this.chips.get(address);
    if (!chip || this.silent.has(address)) throw new SmolError(ErrorCodes.I2C_NO_ACK, `i2c-1 0x${address.toString(16)}: no acknowledge (EREMOTEIO)`);
    return chip;
  }

  async write(address: number, bytes: readonly number[]): Promise<void> {
    this.chip(address).write(bytes);
  }

  async read(address: number, length: number): Promise<Uint8Array> {
    return Uint8Array.from(this.chip(address).read(length));
  }

  async close(): Promise<void> {}
}

/** HD44780 (4-bit, behind a PCF8574: P0 RS, P2 E, P3 backlight, P4..P7 D4..D7). */
export class FakeLcd implements FakeChip {
  /** Every latched nibble: [rs, nibble]. */
  readonly nibbles: [number, number][] = [];
  /** Instructions and data as the controller decoded them. */
  readonly log: string[] = [];
  mode: '8-bit' | '4-bit' = '8-bit';
  private last = 0;
  private pendingHigh: { rs: number; n: number } | undefined;
  private address = 0;
  readonly ddram = new Array<string>(128).fill(' ');
  backlight = false;

  write(bytes: readonly number[]): void {
    for (const b of bytes) {
      // The controller latches on the falling edge of E.
      if (this.last & 0x04 && !(b & 0x04)) this.latch(this.last & 0x01, this.last >> 4);
      this.backlight = (b & 0x08) !== 0;
      this.last = b;
    }
  }

  read(): number[] {
    throw new Error('the PCF8574 LCD is write-only here');
  }

  private latch(rs: number, n: number): void {
    this.nibbles.push([rs, n]);
    if (this.mode === '8-bit') {
      // Only D4..D7 are wired: an 8-bit instruction is the nibble with zero low bits.
      if (n === 0x2) this.mode = '4-bit';
      this.log.push(`8bit:${n.toString(16)}`);
      return;
    }
    if (!this.pendingHigh) {
      this.pendingHigh = { rs, n };
      return;
    }
    const value = (this.pendingHigh.n << 4) | n;
    const isData = this.pendingHigh.rs === 1;
    this.pendingHigh = undefined;
    if (isData) {
      this.ddram[this.address] = String.fromCharCode(value);
      this.address = (this.address + 1) & 0x7f;
      return;
    }
    this.log.push(`cmd:${value.toString(16).padStart(2, '0')}`);
    if (value === 0x01) this.ddram.fill(' ');
    if (value & 0x80) this.address = value & 0x7f;
  }

  /** Row `r` of a 16- or 20-column display. */
  row(r: number, columns = 16): string {
    const start = [0x00, 0x40, 0x14, 0x54][r]!;
    return this.ddram.slice(start, start + columns).join('');
  }
}

/** BH1750: answers two bytes only after power on and a measurement command. */
export class FakeBh1750 implements FakeChip {
  private measuring = false;
  private on = false;
  constructor(public raw: number) {}
  write(bytes: readonly number[]): void {
    for (const b of bytes) {
      if (b === 0x01) this.on = true;
      else if (b === 0x20 || b === 0x10) this.measuring = this.on;
    }
  }
  read(length: number): number[] {
    if (!this.measuring || length !== 2) throw new SmolError(ErrorCodes.I2C_NO_ACK, 'BH1750: read without a measurement');
    return [(this.raw >> 8) & 0xff, this.raw & 0xff];
  }
}

/** SHT31: answers six bytes after 0x24 0x00; `corrupt` flips a bit of the next answer's data. */
export class FakeSht31 implements FakeChip {
  private armed = false;
  corrupt = false;
  constructor(
    public celsius: number,
    public rh: number,
  ) {}
  write(bytes: readonly number[]): void {
    this.armed = bytes[0] === 0x24 && bytes[1] === 0x00;
  }
  read(length: number): number[] {
    if (!this.armed || length !== 6) throw new SmolError(ErrorCodes.I2C_NO_ACK, 'SHT31: read without a measurement');
    this.armed = false;
    const t = Math.round(((this.celsius + 45) / 175) * 65535);
    const h = Math.round((this.rh / 100) * 65535);
    const words = [
      [t >> 8, t & 0xff],
      [h >> 8, h & 0xff],
    ];
    const out = words.flatMap((w) => [...w, sensirionCrc(w)]);
    if (this.corrupt) out[1]! ^= 0x01;
    this.corrupt = false;
    return out;
  }
}

/** A TM1637 on two lines: decodes start, LSB-first bits on CLK rising edges, ACK clocks, stop. */
export class FakeTm1637 implements Tm1637Lines {
  /** Each completed command (start … stop) as its bytes. */
  readonly commands: number[][] = [];
  private clkLine: 0 | 1 = 1;
  private dioLine: 0 | 1 = 1;
  private current: number[] | undefined;
  private bits: number[] = [];
  private acking = false;
  /** Set to make the chip stop acknowledging (not connected). */
  absent = false;

  clk(value: 0 | 1): void {
    if (value === this.clkLine) return;
    this.clkLine = value;
    if (!this.current) return;
    if (value === 0) {
      this.acking = false; // the chip releases DIO after the ACK clock
      return;
    }
    if (this.bits.length < 8) {
      this.bits.push(this.dioLine);
      return;
    }
    // The ninth rising edge: the byte is complete and the chip acknowledges it.
    this.current.push(this.bits.reduce((acc, b, i) => acc | (b << i), 0));
    this.bits = [];
    this.acking = !this.absent;
  }

  dio(value: 0 | 1): void {
    if (value === this.dioLine) return;
    const was = this.dioLine;
    this.dioLine = value;
    if (this.clkLine !== 1) return;
    if (was === 1 && value === 0) {
      this.current = [];
      this.bits = [];
    } else if (was === 0 && value === 1 && this.current) {
      this.commands.push(this.current);
      this.current = undefined;
    }
  }

  readDio(): 0 | 1 {
    return this.acking ? 0 : this.dioLine;
  }
}
