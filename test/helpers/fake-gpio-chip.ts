/**
 * A line-level fake of the GPIO character device (the LineDriver port): chips with labels and
 * line counts, a record of every request (chip, consumer, offsets, bias, output values), line
 * levels a test sets, and edge events it fires as the kernel would, only on lines requested for
 * edges. Lines are exclusive, as in the kernel: a second request of a held line fails (EBUSY).
 */
import type { ChipInfo, InputRequest, LineDriver, LineEdge, OutputRequest } from '../../adapters/gpio/line-port.js';

export type FakeRequest = { kind: 'input'; request: InputRequest } | { kind: 'output'; request: OutputRequest } | { kind: 'set'; chip: string; values: Record<number, 0 | 1> } | { kind: 'release'; chip: string; offsets: number[] };

export class FakeGpioChips implements LineDriver {
  readonly description = 'fake chips';
  readonly requests: FakeRequest[] = [];
  /** Levels by `chip:offset`: what a gpioget would read. */
  readonly levels = new Map<string, 0 | 1>();
  private readonly held = new Set<string>();
  private readonly watchers = new Map<string, (edge: LineEdge) => void>();

  constructor(readonly chipList: ChipInfo[] = [{ name: 'gpiochip0', label: 'pinctrl-rp1', lines: 54 }]) {}

  async chips(): Promise<ChipInfo[]> {
    return this.chipList;
  }

  private take(chip: string, offsets: number[]): void {
    for (const o of offsets) if (this.held.has(`${chip}:${o}`)) throw new Error(`line ${o} of ${chip} is busy (EBUSY)`);
    for (const o of offsets) this.held.add(`${chip}:${o}`);
  }

  private release(chip: string, offsets: number[]): void {
    this.requests.push({ kind: 'release', chip, offsets });
    for (const o of offsets) {
      this.held.delete(`${chip}:${o}`);
      this.watchers.delete(`${chip}:${o}`);
    }
  }

  async watchInputs(request: InputRequest, onEdge: (edge: LineEdge) => void) {
    const offsets = request.lines.map((l) => l.offset);
    this.take(request.chip, offsets);
    this.requests.push({ kind: 'input', request });
    for (const o of offsets) this.watchers.set(`${request.chip}:${o}`, onEdge);
    const initial = new Map(offsets.map((o) => [o, this.levels.get(`${request.chip}:${o}`) ?? 0] as const));
    return { initial, close: async () => this.release(request.chip, offsets) };
  }

  async holdOutputs(request: OutputRequest) {
    const offsets = [...request.values.keys()];
    this.take(request.chip, offsets);
    this.requests.push({ kind: 'output', request });
    for (const [o, v] of request.values) this.levels.set(`${request.chip}:${o}`, v);
    return {
      set: async (values: ReadonlyMap<number, 0 | 1>) => {
        this.requests.push({ kind: 'set', chip: request.chip, values: Object.fromEntries(values) });
        for (const [o, v] of values) this.levels.set(`${request.chip}:${o}`, v);
      },
      close: async () => this.release(request.chip, offsets),
    };
  }

  /** The line changes level; an edge event reaches the watcher when the line is requested for edges. */
  edge(chip: string, offset: number, level: 0 | 1): boolean {
    this.levels.set(`${chip}:${offset}`, level);
    const watcher = this.watchers.get(`${chip}:${offset}`);
    watcher?.({ offset, level });
    return watcher !== undefined;
  }

  /** Whether a line is held by a request now. */
  isHeld(chip: string, offset: number): boolean {
    return this.held.has(`${chip}:${offset}`);
  }
}
