/**
 * The command lines and outputs of the gpiod tools, in both dialects: libgpiod 1.x (Debian 12
 * bookworm and Raspberry Pi OS bookworm: `gpioget gpiochip0 17`, `--bias=disable`, `--mode=signal`)
 * and libgpiod 2.x (Debian 13 trixie: `gpioget -c gpiochip0 17`, `--bias=disabled`, gpioset holds
 * the line until killed, `"17"=active` output). Pure functions, so both dialects are tested here.
 */
import type { ChipInfo, InputLine, LineBias, LineEdge } from './line-port.js';

export type GpiodMajor = 1 | 2;

/** The libgpiod version from `gpiodetect --version` (`gpiodetect (libgpiod) v1.6.3`), or undefined. */
export function parseGpiodVersion(stdout: string): { readonly major: GpiodMajor; readonly version: string } | undefined {
  const m = /libgpiod\)?\s+v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(stdout);
  if (!m) return undefined;
  const major = Number(m[1]);
  if (major !== 1 && major !== 2) return undefined;
  return { major, version: m.slice(1).filter((x) => x !== undefined).join('.') };
}

/** The chips of `gpiodetect`'s output, one `gpiochip0 [pinctrl-rp1] (54 lines)` per line (both dialects). */
export function parseGpiodetect(stdout: string): ChipInfo[] {
  const chips: ChipInfo[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+)\s+\[([^\]]*)\]\s+\((\d+) lines?\)/.exec(line.trim());
    if (m) chips.push({ name: m[1]!, label: m[2]!, lines: Number(m[3]) });
  }
  return chips;
}

function biasArgs(major: GpiodMajor, bias: LineBias): string[] {
  if (bias === 'as-is') return [];
  if (bias === 'disabled') return [major === 1 ? '--bias=disable' : '--bias=disabled'];
  return [`--bias=${bias}`];
}

/** Lines grouped by bias: both dialects apply one bias to every line of an invocation. */
export function byBias(lines: readonly InputLine[]): Map<LineBias, number[]> {
  const groups = new Map<LineBias, number[]>();
  for (const l of lines) groups.set(l.bias, [...(groups.get(l.bias) ?? []), l.offset]);
  return groups;
}

/** `gpioget` arguments reading `offsets` of `chip` with `bias`. */
export function getArgs(major: GpiodMajor, chip: string, bias: LineBias, offsets: readonly number[], consumer: string): string[] {
  const lines = offsets.map(String);
  return major === 1 ? [...biasArgs(1, bias), chip, ...lines] : ['-c', chip, '-C', consumer, ...biasArgs(2, bias), ...lines];
}

/** The levels `gpioget` printed for `offsets` (in order): `1 0` (v1, v2 --numeric) or `"17"=active "27"=inactive` (v2). */
export function parseGetOutput(stdout: string, offsets: readonly number[]): Map<number, 0 | 1> {
  const tokens = stdout.trim().split(/\s+/).filter((t) => t.length > 0);
  if (tokens.length !== offsets.length) throw new Error(`gpioget printed ${tokens.length} values for ${offsets.length} lines: ${stdout.trim()}`);
  const out = new Map<number, 0 | 1>();
  tokens.forEach((token, i) => {
    const m = /(?:^|=)(0|1|active|inactive)$/.exec(token);
    if (!m) throw new Error(`gpioget printed an unknown value: ${token}`);
    out.set(offsets[i]!, m[1] === '1' || m[1] === 'active' ? 1 : 0);
  });
  return out;
}

// Offset, edge type and the kernel's timestamp in seconds, one event per line.
const V1_FORMAT = '%o %e %s.%n';
const V2_FORMAT = '%o %e %S';

/** `gpiomon` arguments watching both edges of `offsets`, one line per event on stdout. */
export function monArgs(major: GpiodMajor, chip: string, bias: LineBias, offsets: readonly number[], consumer: string): string[] {
  const lines = offsets.map(String);
  // v1 buffers its stdout on a pipe unless told to flush every line.
  if (major === 1) return ['--line-buffered', ...biasArgs(1, bias), `--format=${V1_FORMAT}`, chip, ...lines];
  return ['-c', chip, '-C', consumer, ...biasArgs(2, bias), '-e', 'both', `--format=${V2_FORMAT}`, ...lines];
}

/** An edge from one line of `gpiomon` output; undefined for anything else (a banner, noise). */
export function parseMonLine(major: GpiodMajor, line: string): LineEdge | undefined {
  const m = /^(\d+)\s+(\d)\s+\d+(?:\.\d+)?$/.exec(line.trim());
  if (!m) return undefined;
  const type = Number(m[2]);
  // v1: 1 rising, 0 falling; v2: 1 rising, 2 falling.
  const rising = type === 1;
  const falling = major === 1 ? type === 0 : type === 2;
  if (!rising && !falling) return undefined;
  return { offset: Number(m[1]), level: rising ? 1 : 0 };
}

/** `gpioset` arguments driving `values` and holding them until the process is signalled. */
export function setArgs(major: GpiodMajor, chip: string, values: ReadonlyMap<number, 0 | 1>, consumer: string): string[] {
  const pairs = [...values].sort((a, b) => a[0] - b[0]).map(([offset, v]) => `${offset}=${v}`);
  // v1 exits (and releases the lines, whose state is then undefined) unless told to wait for a signal; v2 holds by default.
  return major === 1 ? ['--mode=signal', chip, ...pairs] : ['-c', chip, '-C', consumer, ...pairs];
}
