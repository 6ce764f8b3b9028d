/**
 * Binary keys of the journal's sublevels. Big-endian fixed width so LevelDB's byte order is
 * numeric order, and consecutive keys share long prefixes (cheap after LevelDB's prefix compression).
 */

/** 6-byte big-endian position (up to 2^48 events). */
export function positionKey(position: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeUIntBE(position, 0, 6);
  return b;
}

export function readPosition(key: Uint8Array, offset = 0): number {
  if (key.length < offset + 6) throw new RangeError(`a position key needs 6 bytes at offset ${offset}, got ${key.length - offset}`);
  // Arithmetic, not a Buffer view: replay reads a million of these.
  return (
    (key[offset]! * 0x10000 + key[offset + 1]! * 0x100 + key[offset + 2]!) * 0x1000000 +
    (key[offset + 3]! * 0x10000 + key[offset + 4]! * 0x100 + key[offset + 5]!)
  );
}

/** 4-byte origin index + 6-byte seq: the per-origin index key. */
export function originSeqKey(originIndex: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(10);
  b.writeUInt32BE(originIndex, 0);
  b.writeUIntBE(seq, 4, 6);
  return b;
}

/** `prefix | positionKey(position)` in one buffer: a log key as the root database stores it. */
export function prefixedPositionKey(prefix: Uint8Array, position: number): Buffer {
  const b = Buffer.allocUnsafe(prefix.length + 6);
  b.set(prefix, 0);
  b.writeUIntBE(position, prefix.length, 6);
  return b;
}

/** `prefix | originSeqKey(originIndex, seq)` in one buffer: an index key as the root database stores it. */
export function prefixedOriginSeqKey(prefix: Uint8Array, originIndex: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(prefix.length + 10);
  b.set(prefix, 0);
  b.writeUInt32BE(originIndex, prefix.length);
  b.writeUIntBE(seq, prefix.length + 4, 6);
  return b;
}
