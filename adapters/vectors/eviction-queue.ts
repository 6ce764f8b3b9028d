/** One indexed vector as the cap sees it. */
export interface HeldVector {
  readonly id: string;
  readonly type: 'observation' | 'memory';
  /** Wall ms of the event that introduced the text. */
  readonly at: number;
  /** The index (VectorStore key) holding it. */
  readonly key: string;
}

/**
 * Which vector leaves first: observations before memories (memories are few and are the node's
 * facts), then the oldest, then the smaller id. A total order, so the same events give the same
 * choice whatever the order of equal times.
 */
export function evictsBefore(a: HeldVector, b: HeldVector): boolean {
  if (a.type !== b.type) return a.type === 'observation';
  if (a.at !== b.at) return a.at < b.at;
  return a.id < b.id;
}

/**
 * The vectors of a store by eviction order (a binary min-heap with a position per id, so a
 * forgotten memory leaves in O(log n)). Bounded by the store's cap: it holds what is indexed.
 */
export class EvictionQueue {
  private readonly heap: HeldVector[] = [];
  private readonly at = new Map<string, number>();
  private observations_ = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Indexed observations (the rest are memories). */
  get observations(): number {
    return this.observations_;
  }

  has(id: string): boolean {
    return this.at.has(id);
  }

  /** The next to leave. */
  peek(): HeldVector | undefined {
    return this.heap[0];
  }

  /** The oldest indexed observation, if any (observations leave first, so it is the head). */
  oldestObservation(): HeldVector | undefined {
    const head = this.heap[0];
    return head?.type === 'observation' ? head : undefined;
  }

  push(v: HeldVector): void {
    if (this.at.has(v.id)) return;
    this.heap.push(v);
    this.at.set(v.id, this.heap.length - 1);
    if (v.type === 'observation') this.observations_ += 1;
    this.up(this.heap.length - 1);
  }

  /** Takes `id` out; returns what it was, or undefined if it was not held. */
  delete(id: string): HeldVector | undefined {
    const i = this.at.get(id);
    if (i === undefined) return undefined;
    const v = this.heap[i]!;
    const last = this.heap.pop()!;
    this.at.delete(id);
    if (v.type === 'observation') this.observations_ -= 1;
    if (i < this.heap.length) {
      this.heap[i] = last;
      this.at.set(last.id, i);
      this.down(i);
      this.up(this.at.get(last.id)!);
    }
    return v;
  }

  clear(): void {
    this.heap.length = 0;
    this.at.clear();
    this.observations_ = 0;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!evictsBefore(h[i]!, h[p]!)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && evictsBefore(h[l]!, h[m]!)) m = l;
      if (r < h.length && evictsBefore(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(i: number, j: number): void {
    const h = this.heap;
    const a = h[i]!;
    const b = h[j]!;
    h[i] = b;
    h[j] = a;
    this.at.set(b.id, i);
    this.at.set(a.id, j);
  }
}
