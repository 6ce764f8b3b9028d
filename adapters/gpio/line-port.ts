/**
 * The line-level port of the kernel's GPIO character device (/dev/gpiochipN, GPIO uAPI): chips,
 * line requests with their config, values and edge events. The real implementation drives the
 * gpiod tools (gpiod-tools.ts); tests drive a fake chip that asserts what was requested.
 */

/** A chip as the kernel names it: `gpiochip0 [pinctrl-rp1] (54 lines)`. */
export interface ChipInfo {
  readonly name: string;
  readonly label: string;
  readonly lines: number;
}

export type LineBias = 'as-is' | 'disabled' | 'pull-up' | 'pull-down';

/** One input line to request for edge detection (both edges). */
export interface InputLine {
  readonly offset: number;
  readonly bias: LineBias;
}

/** Inputs of one chip: read once, then watched for edges until closed. */
export interface InputRequest {
  readonly chip: string;
  readonly consumer: string;
  readonly lines: readonly InputLine[];
}

/** An edge event: `offset` went to `level` (rising → 1, falling → 0). */
export interface LineEdge {
  readonly offset: number;
  readonly level: 0 | 1;
}

/** A running watch of input lines. */
export interface InputWatch {
  /** The levels read when the watch began, by offset. */
  readonly initial: ReadonlyMap<number, 0 | 1>;
  close(): Promise<void>;
}

/** Outputs of one chip, held at their values until released. */
export interface OutputRequest {
  readonly chip: string;
  readonly consumer: string;
  /** Offset → value to drive. */
  readonly values: ReadonlyMap<number, 0 | 1>;
}

/** Output lines held by this process. */
export interface OutputHold {
  /** Drives the given offsets (others keep their values); resolves when the lines carry them. */
  set(values: ReadonlyMap<number, 0 | 1>): Promise<void>;
  close(): Promise<void>;
}

/** The GPIO character device, line by line. Errors are SmolError SMOL_SENSOR_UNAVAILABLE. */
export interface LineDriver {
  /** What drives the lines, for doctor and the banner, e.g. `gpiod tools v2.1.3`. */
  readonly description: string;
  chips(): Promise<ChipInfo[]>;
  watchInputs(request: InputRequest, onEdge: (edge: LineEdge) => void, onError: (err: unknown) => void): Promise<InputWatch>;
  holdOutputs(request: OutputRequest): Promise<OutputHold>;
}

// The chips of the Pi's 40-pin header, newest first: RP1 on the Pi 5 (gpiochip4 before kernel
// 6.6.45, gpiochip0 since), then the BCM2711 (Pi 4, 400, CM4) and BCM2835 family (Pi 1-3, Zero).
const HEADER_LABELS = ['pinctrl-rp1', 'pinctrl-bcm2712', 'pinctrl-bcm2711', 'pinctrl-bcm2835'];

/**
 * The chip a configured name means: a device name (`gpiochip4`), a label (`pinctrl-rp1`), or
 * `auto`: the Pi header's chip by label, and nothing else — on a laptop or another board the
 * lowest chip drives whatever that machine wired to it, so it has to be named. Undefined when none matches.
 */
export function pickChip(chips: readonly ChipInfo[], wanted: string): ChipInfo | undefined {
  if (wanted !== 'auto') return chips.find((c) => c.name === wanted) ?? chips.find((c) => c.label === wanted);
  for (const label of HEADER_LABELS) {
    const chip = chips.find((c) => c.label === label);
    if (chip) return chip;
  }
  return undefined;
}
