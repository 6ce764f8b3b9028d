/**
 * An HD44780 character LCD (1602 or 2004) behind a PCF8574 I2C backpack, driven in 4-bit mode.
 * The backpack's port bits: P0 = RS, P1 = RW, P2 = E, P3 = backlight, P4..P7 = D4..D7. Every
 * nibble is latched by a pulse on E (E high, then low). Initialisation follows the HD44780
 * datasheet's "initialising by instruction" for 4-bit mode (figure 24): 0x3 three times with
 * waits of ≥ 4.1 ms and ≥ 100 µs, then 0x2, then function set, display on, clear, entry mode.
 */
import type { Delay, I2cBus } from '../../../core/devices/i2c-port.js';

export const LCD = { RS: 0x01, E: 0x04, BACKLIGHT: 0x08 } as const;
const ROW_OFFSETS = [0x00, 0x40, 0x14, 0x54];

export interface LcdOptions {
  readonly address: number;
  readonly columns: 16 | 20;
  readonly rows: 2 | 4;
  readonly delay: Delay;
}

/** Drives one LCD; `write(text)` shows up to `rows` lines (split on \n), each cut or padded to `columns`. */
export class Pcf8574Lcd {
  private ready = false;
  private backlight: number = LCD.BACKLIGHT;

  constructor(
    private readonly bus: I2cBus,
    private readonly options: LcdOptions,
  ) {}

  /** One nibble (high four bits of `bits`) with RS, latched by an E pulse. */
  private async nibble(bits: number, rs: number): Promise<void> {
    const out = (bits & 0xf0) | this.backlight | rs;
    await this.bus.write(this.options.address, [out | LCD.E, out]);
  }

  private async byte(value: number, rs: number): Promise<void> {
    await this.nibble(value & 0xf0, rs);
    await this.nibble((value << 4) & 0xf0, rs);
  }

  private command = (value: number) => this.byte(value, 0);

  /** The datasheet's 4-bit initialisation. Throws SMOL_I2C_NO_ACK when no backpack answers. */
  async init(): Promise<void> {
    const { delay } = this.options;
    await this.bus.write(this.options.address, [this.backlight]);
    await delay(50);
    await this.nibble(0x30, 0);
    await delay(5);
    await this.nibble(0x30, 0);
    await delay(1);
    await this.nibble(0x30, 0);
    await this.nibble(0x20, 0); // 4-bit interface from here on
    await this.command(0x28); // function set: 4-bit, 2 lines, 5x8 dots
    await this.command(0x0c); // display on, cursor off, blink off
    await this.command(0x01); // clear
    await delay(2);
    await this.command(0x06); // entry mode: increment, no shift
    this.ready = true;
  }

  /** Shows `text` (lines split on \n). Characters outside printable ASCII become '?'. */
  async write(text: string): Promise<void> {
    if (!this.ready) await this.init();
    const lines = text.split('\n');
    for (let row = 0; row < this.options.rows; row++) {
      await this.command(0x80 | (ROW_OFFSETS[row]! + 0));
      const line = (lines[row] ?? '').slice(0, this.options.columns).padEnd(this.options.columns, ' ');
      for (const ch of line) {
        const code = ch.charCodeAt(0);
        await this.byte(code >= 0x20 && code <= 0x7e ? code : 0x3f, LCD.RS);
      }
    }
  }

  async setBacklight(on: boolean): Promise<void> {
    this.backlight = on ? LCD.BACKLIGHT : 0;
    await this.bus.write(this.options.address, [this.backlight]);
  }
}
