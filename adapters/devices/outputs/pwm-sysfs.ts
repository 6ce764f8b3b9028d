/**
 * Hardware PWM through the kernel's sysfs interface (Documentation/driver-api/pwm.rst, "Using
 * PWMs with the sysfs interface"): `/sys/class/pwm/pwmchipN/export` takes a channel number and
 * makes `pwmM/` with `period` and `duty_cycle` (nanoseconds) and `enable`. On a Pi,
 * `dtoverlay=pwm` (or `pwm-2chan`) puts GPIO 18 (and 19) on the PWM chip. The period is written
 * before the duty (the duty may never exceed it), and `enable` last.
 */
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, SmolError } from '../../../core/errors.js';

export interface PwmChannelOptions {
  readonly sysRoot: string;
  readonly chip: number;
  readonly channel: number;
  readonly frequencyHz: number;
  /** Waits for the pwmM directory udev creates after export (injected in tests). */
  readonly waitForExport?: (dir: string) => Promise<boolean>;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

async function write(path: string, value: string): Promise<void> {
  try {
    await writeFile(path, `${value}\n`);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    const code = errno === 'ENOENT' || errno === 'ENODEV' ? ErrorCodes.DEVICE_UNAVAILABLE : ErrorCodes.DEVICE_READ_FAILED;
    throw new SmolError(code, `${path}: write failed (${errno ?? String(err)})`, { cause: err, details: { path } });
  }
}

/** One PWM channel; `set(duty)` with duty in 0..1. */
export class SysfsPwm {
  private ready = false;
  private readonly periodNs: number;

  constructor(private readonly options: PwmChannelOptions) {
    this.periodNs = Math.round(1e9 / options.frequencyHz);
  }

  get chipDir(): string {
    return join(this.options.sysRoot, 'class', 'pwm', `pwmchip${this.options.chip}`);
  }

  get channelDir(): string {
    return join(this.chipDir, `pwm${this.options.channel}`);
  }

  /** Exports the channel (unless it already is) and sets the period. Throws SMOL_DEVICE_UNAVAILABLE. */
  async open(): Promise<void> {
    if (!(await exists(this.chipDir))) {
      throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `no PWM chip ${this.chipDir} (dtoverlay=pwm in config.txt?)`, { details: { chip: this.options.chip } });
    }
    if (!(await exists(this.channelDir))) {
      await write(join(this.chipDir, 'export'), String(this.options.channel));
      const appeared = await (this.options.waitForExport ?? ((dir) => exists(dir)))(this.channelDir);
      if (!appeared) throw new SmolError(ErrorCodes.DEVICE_UNAVAILABLE, `exporting PWM channel ${this.options.channel} did not create ${this.channelDir}`);
    }
    await write(join(this.channelDir, 'duty_cycle'), '0');
    await write(join(this.channelDir, 'period'), String(this.periodNs));
    this.ready = true;
  }

  /** Sets the duty (0 = off, 1 = always on) and enables the output. */
  async set(duty: number): Promise<void> {
    if (!(duty >= 0 && duty <= 1)) throw new SmolError(ErrorCodes.OUTPUT_NOT_ALLOWED, `a PWM duty is 0..1, not ${duty}`);
    if (!this.ready) await this.open();
    await write(join(this.channelDir, 'duty_cycle'), String(Math.round(duty * this.periodNs)));
    await write(join(this.channelDir, 'enable'), duty > 0 ? '1' : '0');
  }
}
