/**
 * A TM1637 4-digit 7-segment display on two GPIO lines (CLK and DIO), in its own two-wire
 * protocol (TM1637 datasheet §5): start (DIO falls while CLK is high), bytes LSB first with data
 * changed while CLK is low, an ACK clock in which the chip pulls DIO low, stop (DIO rises while
 * CLK is high). Commands: 0x40 data (auto-increment), 0xC0 address 0 followed by four segment
 * bytes, 0x88 | brightness (display on). The lines are open drain: "1" releases DIO (pulled up).
 * The chip is slow (≤ 250 kHz) and latches on edges, so a JavaScript bit-bang is within spec.
 */
import { ErrorCodes, SmolError } from '../../../core/errors.js';

/** Line-level access to the two pins (a GPIO backend, or a fake in tests). */
export interface Tm1637Lines {
  clk(value: 0 | 1): Promise<void> | void;
  /** 1 releases the line (input with pull-up), 0 drives it low. */
  dio(value: 0 | 1): Promise<void> | void;
  /** The DIO level while released (the chip's ACK pulls it low). */
  readDio(): Promise<0 | 1> | 0 | 1;
}

/** Segments gfedcba of 0-9, A-F, '-', ' ' (bit 7 is the colon / decimal point). */
const DIGITS: Record<string, number> = {
  '0': 0x3f, '1': 0x06, '2': 0x5b, '3': 0x4f, '4': 0x66, '5': 0x6d, '6': 0x7d, '7': 0x07, '8': 0x7f, '9': 0x6f,
  a: 0x77, b: 0x7c, c: 0x39, d: 0x5e, e: 0x79, f: 0x71, '-': 0x40, ' ': 0x00, o: 0x5c, r: 0x50, h: 0x76, l: 0x38, p: 0x73, u: 0x3e,
};

/** Segment bytes for up to four characters, right-aligned; a '.' or ':' lights bit 7 of the digit before it. */
export function segmentsFor(text: string): number[] {
  const out: number[] = [];
  for (const ch of text.toLowerCase()) {
    if ((ch === '.' || ch === ':') && out.length > 0) {
      out[out.length - 1]! |= 0x80;
      continue;
    }
    const seg = DIGITS[ch];
    if (seg === undefined) throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `a 7-segment display cannot show "${ch}"`, { details: { text } });
    out.push(seg);
  }
  if (out.length > 4) throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `"${text}" does not fit on 4 digits`, { details: { text } });
  return [...Array<number>(4 - out.length).fill(0), ...out];
}

/** A number as four digits: an integer as it is, a fraction with as many places as fit. */
export function formatForDigits(value: number): string {
  if (!Number.isFinite(value)) throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, 'only finite numbers can be shown');
  for (let places = Number.isInteger(value) ? 0 : 3; places >= 0; places--) {
    const s = value.toFixed(places);
    if (s.replace('.', '').length <= 4) return s;
  }
  throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `${value} does not fit on 4 digits`, { details: { value } });
}

export class Tm1637 {
  constructor(
    private readonly lines: Tm1637Lines,
    /** 0..7 */
    private brightness = 7,
  ) {}

  private async start(): Promise<void> {
    await this.lines.clk(1);
    await this.lines.dio(1);
    await this.lines.dio(0);
  }

  private async stop(): Promise<void> {
    await this.lines.clk(0);
    await this.lines.dio(0);
    await this.lines.clk(1);
    await this.lines.dio(1);
  }

  /** One byte LSB first, then the ACK clock. Throws SMOL_I2C_NO_ACK when the chip does not pull DIO low. */
  private async byte(value: number): Promise<void> {
    for (let bit = 0; bit < 8; bit++) {
      await this.lines.clk(0);
      await this.lines.dio(((value >> bit) & 1) as 0 | 1);
      await this.lines.clk(1);
    }
    await this.lines.clk(0);
    await this.lines.dio(1);
    await this.lines.clk(1);
    const ack = await this.lines.readDio();
    await this.lines.clk(0);
    if (ack !== 0) {
      await this.stop();
      throw new SmolError(ErrorCodes.I2C_NO_ACK, `TM1637: no acknowledge of byte 0x${value.toString(16)}`, { details: { value } });
    }
  }

  private async command(bytes: readonly number[]): Promise<void> {
    await this.start();
    for (const b of bytes) await this.byte(b);
    await this.stop();
  }

  /** Shows up to four characters (0-9, A-F, -, space, '.' and ':' after a digit). */
  async show(text: string): Promise<void> {
    const segments = segmentsFor(text);
    await this.command([0x40]);
    await this.command([0xc0, ...segments]);
    await this.command([0x88 | (this.brightness & 7)]);
  }
}
