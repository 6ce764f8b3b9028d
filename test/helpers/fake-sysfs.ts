/**
 * A fake /sys with the kernel's layout: devices live under /sys/devices/… and the buses and
 * classes hold symlinks to them, as on a Pi (Documentation/ABI/testing/sysfs-bus-iio,
 * Documentation/w1/w1-generic.rst + w1_therm, Documentation/hwmon/sysfs-interface.rst).
 * Attribute files hold exactly what the drivers print (a number and a newline). What a file on
 * disk cannot do — a driver's read() failing with EIO or ETIMEDOUT — is injected by `files`.
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { SysfsFiles } from '../../adapters/devices/sysfs/sysfs-files.js';

export class FakeSysfs {
  private readonly failures: { suffix: string; every: number; errno: string; reads: number }[] = [];
  /** Reads of each path, for asserting a device was (or was not) read. */
  readonly reads = new Map<string, number>();

  constructor(readonly root: string) {}

  /** The SysfsFiles the platforms use: real reads of the tree, plus the injected driver errors. */
  readonly files: SysfsFiles = {
    readText: async (path) => {
      this.reads.set(path, (this.reads.get(path) ?? 0) + 1);
      for (const f of this.failures) {
        if (!path.endsWith(f.suffix)) continue;
        f.reads += 1;
        if (f.reads % f.every === 0) throw Object.assign(new Error(`${f.errno}: driver read failed, read '${path}'`), { code: f.errno, errno: -5 });
      }
      return readFile(path, 'utf8');
    },
    list: (dir) => readdir(dir),
  };

  /** Every `every`-th read of a path ending in `suffix` fails with `errno` (a DHT11's checksum error is EIO). */
  failEvery(suffix: string, every: number, errno = 'EIO'): void {
    this.failures.push({ suffix, every, errno, reads: 0 });
  }

  private write(path: string, content: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }

  private link(devicePath: string, linkPath: string): void {
    mkdirSync(dirname(linkPath), { recursive: true });
    rmSync(linkPath, { force: true });
    symlinkSync(relative(dirname(linkPath), devicePath), linkPath);
  }

  /** An IIO device `iio:device<n>` with driver `name` and attribute files (name → content without newline). */
  iio(n: number, name: string, attrs: Record<string, string>, parent = `platform/${name}@0`): string {
    const dev = join(this.root, 'devices', parent, `iio:device${n}`);
    this.write(join(dev, 'name'), `${name}\n`);
    for (const [file, value] of Object.entries(attrs)) this.write(join(dev, file), `${value}\n`);
    this.link(dev, join(this.root, 'bus', 'iio', 'devices', `iio:device${n}`));
    return dev;
  }

  /** Sets one attribute of a present IIO device. */
  setIio(n: number, file: string, value: string): void {
    writeFileSync(join(this.root, 'bus', 'iio', 'devices', `iio:device${n}`, file), `${value}\n`);
  }

  /** Unplugs IIO device n: its directory and its bus link disappear. */
  removeIio(n: number): void {
    rmSync(join(this.root, 'bus', 'iio', 'devices', `iio:device${n}`), { force: true });
  }

  /** A DS18B20 (family 28) with a `w1_slave` answer of t=<milli> and the CRC line. */
  w1(serial: string, milli: number, crcOk = true): void {
    const dev = join(this.root, 'devices', 'w1_bus_master1', serial);
    this.write(join(dev, 'name'), `${serial}\n`);
    this.write(join(dev, 'w1_slave'), w1Slave(milli, crcOk));
    this.link(dev, join(this.root, 'bus', 'w1', 'devices', serial));
    this.link(join(this.root, 'devices', 'w1_bus_master1'), join(this.root, 'bus', 'w1', 'devices', 'w1_bus_master1'));
  }

  setW1(serial: string, milli: number, crcOk = true): void {
    writeFileSync(join(this.root, 'bus', 'w1', 'devices', serial, 'w1_slave'), w1Slave(milli, crcOk));
  }

  removeW1(serial: string): void {
    rmSync(join(this.root, 'bus', 'w1', 'devices', serial), { force: true });
  }

  /** A PWM chip `pwmchip<n>` with `npwm` channels, not yet exported (export is written by the driver). */
  pwmChip(n: number, npwm = 2): string {
    const dev = join(this.root, 'devices', 'platform', `${0x7e20c000 + n}.pwm`, 'pwm', `pwmchip${n}`);
    this.write(join(dev, 'npwm'), `${npwm}\n`);
    this.write(join(dev, 'export'), '');
    this.write(join(dev, 'unexport'), '');
    this.link(dev, join(this.root, 'class', 'pwm', `pwmchip${n}`));
    return join(this.root, 'class', 'pwm', `pwmchip${n}`);
  }

  /** What the kernel does when `export` is written: creates pwm<channel>/ with its attributes. */
  exportPwm(n: number, channel: number): void {
    const dir = join(this.root, 'class', 'pwm', `pwmchip${n}`, `pwm${channel}`);
    for (const f of PWM_CHANNEL_FILES) this.write(join(dir, f), f === 'polarity' ? 'normal\n' : '0\n');
  }

  /** A hwmon chip `hwmon<n>` named `name` with attributes like temp1_input: '48312'. */
  hwmon(n: number, name: string, attrs: Record<string, string>, parent = `virtual/thermal/${name}`): void {
    const dev = join(this.root, 'devices', parent, 'hwmon', `hwmon${n}`);
    this.write(join(dev, 'name'), `${name}\n`);
    for (const [file, value] of Object.entries(attrs)) this.write(join(dev, file), `${value}\n`);
    this.link(dev, join(this.root, 'class', 'hwmon', `hwmon${n}`));
  }
}

/** The files of an exported channel, as the pwm core creates them. */
export const PWM_CHANNEL_FILES = ['period', 'duty_cycle', 'enable', 'polarity'] as const;

function w1Slave(milli: number, crcOk: boolean): string {
  // The scratchpad bytes as w1_therm prints them; only the CRC verdict and t= are read.
  const lsb = (Math.round(milli / 62.5) & 0xff).toString(16).padStart(2, '0');
  const msb = ((Math.round(milli / 62.5) >> 8) & 0xff).toString(16).padStart(2, '0');
  const bytes = `${lsb} ${msb} 4b 46 7f ff 0c 10 1c`;
  return `${bytes} : crc=1c ${crcOk ? 'YES' : 'NO'}\n${bytes} t=${milli}\n`;
}
