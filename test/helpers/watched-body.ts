import { Readable } from 'node:stream';

/** A request body stream that records whether anything asked it for bytes (a server that must not read before it authenticates). */
export function watchedBody(bytes = 64 * 1024): { stream: Readable; read: () => boolean } {
  let read = false;
  let left = bytes;
  const stream = new Readable({
    read() {
      read = true;
      const n = Math.min(left, 16 * 1024);
      left -= n;
      this.push(n > 0 ? Buffer.alloc(n, 0x7b) : null);
    },
  });
  return { stream, read: () => read };
}
