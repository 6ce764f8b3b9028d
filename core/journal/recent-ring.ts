import type { JournalEntry } from '../events/event.js';

/**
 * What the ring holds per position: the decoded entry of a local append, or the stored log value
 * (`varint originIndex | body`) of an ingested event, decoded when a subscriber reads it.
 */
export type RingItem = JournalEntry | Buffer;

/**
 * The most recently committed positions, so live subscribers do not read back from disk.
 * Filled by the writer after each commit, in position order; holds between `size` and 2 × `size`
 * items once full (trimmed in one slice, not per append).
 */
export class RecentRing {
  private items: RingItem[] = [];
  /** The position of items[0]. */
  private start = 0;

  constructor(private size: number) {}

  /** How many positions it keeps (between this and twice this once full). */
  get capacity(): number {
    return this.size;
  }

  /**
   * Keeps `size` positions from now on; a smaller size drops the oldest at once (memory pressure
   * gives them back; subscribers behind them read from disk, as they would after a trim).
   */
  resize(size: number): void {
    if (!Number.isInteger(size) || size < 1) throw new TypeError(`a ring keeps a whole number of positions ≥ 1, not ${size}`);
    this.size = size;
    if (this.items.length <= size) return;
    const last = this.lastPosition;
    this.items = this.items.slice(-size);
    this.start = last - this.items.length + 1;
  }

  get isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** The newest position held; meaningful only when not empty. */
  get lastPosition(): number {
    return this.start + this.items.length - 1;
  }

  /** Adds items at consecutive positions from `first`, which directly follows what the ring holds. */
  add(first: number, items: readonly RingItem[]): void {
    if (items.length === 0) return;
    if (this.items.length === 0) this.start = first;
    for (const item of items) this.items.push(item);
  }

  /** Drops the oldest items once the ring holds more than twice its size. */
  trim(): void {
    if (this.items.length <= this.size * 2) return;
    const last = this.lastPosition;
    this.items = this.items.slice(-this.size);
    this.start = last - this.items.length + 1;
  }

  /** The items of positions [from, to] (cut short at the newest), or undefined when `from` is not held. */
  slice(from: number, to: number): RingItem[] | undefined {
    if (this.items.length === 0 || from < this.start) return undefined;
    return this.items.slice(from - this.start, to - this.start + 1);
  }

  /** Replaces a stored value by what it decoded to, so the next subscriber need not decode it again. */
  keepDecoded(position: number, item: RingItem, entry: JournalEntry): void {
    const at = position - this.start;
    if (this.items[at] === item) this.items[at] = entry; // unless trimmed away meanwhile
  }
}
