/**
 * Reads exact byte counts from an async stream of chunks (a file stream, an HTTP body), holding
 * at most one read's worth plus one chunk in memory.
 */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  /** Bytes handed out so far. */
  offset = 0;

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const next = await this.it.next();
      if (next.done) {
        this.done = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      if (chunk.length === 0) continue;
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
  }

  /** Exactly `n` bytes, or fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const take = Math.min(n, this.buffered);
    let out: Buffer;
    const first = this.chunks[0];
    if (first && first.length >= take) {
      out = first.subarray(0, take);
      if (first.length === take) this.chunks.shift();
      else this.chunks[0] = first.subarray(take);
    } else {
      out = Buffer.allocUnsafe(take);
      let o = 0;
      while (o < take) {
        const c = this.chunks[0]!;
        const part = Math.min(c.length, take - o);
        c.copy(out, o, 0, part);
        o += part;
        if (part === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(part);
      }
    }
    this.buffered -= take;
    this.offset += take;
    return out;
  }

  /** True when nothing is left. */
  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buffered === 0;
  }

  /** Stops the underlying stream early (closes a file, aborts a body). */
  async close(): Promise<void> {
    this.chunks = [];
    await this.it.return?.();
  }
}
