import { createHash, hash as oneShotHash } from 'node:crypto';
import type { SmolEvent } from './event.js';
import { GENESIS_PREV, eventId } from './event.js';
import { SmolError, ErrorCodes } from '../errors.js';

/**
 * Binary form of an event. The *body* is independent of the node storing it:
 *
 *   u8 codec(1) | varint seq | u48 wall | u16 counter | varint v | u8 typeLen | type | 32B prev | data JSON
 *
 * The event hash is sha-256 over `origin utf8 | 0x00 | body`, so it is the same on every node and
 * is never recomputed from re-serialised JSON: sync carries the body bytes verbatim.
 * Locally the log stores `varint originIndex | body`, so the 20-odd byte node id is not repeated.
 */
export const CODEC_VERSION = 1;

const textEncoder = new TextEncoder();

export function writeVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** Reads a LEB128 varint; returns [value, nextOffset]. */
export function readVarint(buf: Uint8Array, offset: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let i = offset; i < buf.length && i < offset + 8; i++) {
    const b = buf[i]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return [result, i + 1];
    scale *= 0x80;
  }
  throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated or oversized varint');
}

/** Encodes the node-independent body of an event whose data is already JSON text. */
export function encodeBody(seq: number, hlc: string, type: string, v: number, prev: string, dataJson: string): Buffer {
  return encodeBodyAfter(0, seq, hlc, type, v, prev, dataJson);
}

/**
 * Like `encodeBody`, with `headroom` bytes left free before the body, so the log can put its origin
 * index there without a second copy. The body is `result.subarray(headroom)`.
 */
export function encodeBodyAfter(headroom: number, seq: number, hlc: string, type: string, v: number, prev: string, dataJson: string): Buffer {
  const typeBytes = typeBytesOf(type);
  const dataLength = Buffer.byteLength(dataJson, 'utf8');
  const out = Buffer.allocUnsafe(headroom + 1 + varintLength(seq) + 8 + varintLength(v) + 1 + typeBytes.length + 32 + dataLength);
  let o = headroom;
  out[o++] = CODEC_VERSION;
  o = putVarint(out, o, seq);
  // The hlc string is 12 hex digits of wall ms then 4 of counter: the same 8 bytes big-endian.
  if (out.write(hlc, o, 8, 'hex') !== 8) throw new TypeError(`not an hlc: ${hlc}`);
  o += 8;
  o = putVarint(out, o, v);
  out[o++] = typeBytes.length;
  out.set(typeBytes, o);
  o += typeBytes.length;
  out.write(prev, o, 32, 'hex');
  o += 32;
  out.write(dataJson, o, dataLength, 'utf8');
  return out;
}

// Event types are a small, fixed vocabulary; their bytes are encoded once.
const typeBytesCache = new Map<string, Uint8Array>();
function typeBytesOf(type: string): Uint8Array {
  let bytes = typeBytesCache.get(type);
  if (bytes === undefined) {
    bytes = textEncoder.encode(type);
    if (bytes.length > 255) throw new TypeError(`event type too long: ${type}`);
    if (typeBytesCache.size < 1024) typeBytesCache.set(type, bytes);
  }
  return bytes;
}

/** Bytes a LEB128 varint of `n` takes. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

/** Writes a LEB128 varint at `offset`; returns the offset after it. */
export function putVarint(out: Uint8Array, offset: number, n: number): number {
  while (n >= 0x80) {
    out[offset++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[offset++] = n;
  return offset;
}

/** The fields of a body without parsing its data; cheap enough to filter by type in replay. */
export interface BodyHeader {
  readonly seq: number;
  readonly hlc: string;
  readonly v: number;
  readonly type: string;
  readonly prev: string;
  /** Offset of the data JSON inside the buffer. */
  readonly dataOffset: number;
}

/** Decodes the header of a body starting at `offset`. Throws SMOL_JOURNAL_CORRUPT on malformed bytes. */
export function decodeBodyHeader(buf: Buffer, offset = 0): BodyHeader {
  if (buf[offset] !== CODEC_VERSION) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `unknown event codec ${buf[offset]}`);
  }
  const [seq, o1] = readVarint(buf, offset + 1);
  if (o1 + 8 > buf.length) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated event header');
  const hlc = buf.toString('hex', o1, o1 + 8);
  const [v, o2] = readVarint(buf, o1 + 8);
  const typeLen = buf[o2];
  if (typeLen === undefined || o2 + 1 + typeLen + 32 > buf.length) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated event header');
  }
  const type = buf.toString('utf8', o2 + 1, o2 + 1 + typeLen);
  const prevStart = o2 + 1 + typeLen;
  const prev = buf.toString('hex', prevStart, prevStart + 32);
  return { seq, hlc, v, type, prev, dataOffset: prevStart + 32 };
}

/** Decodes a full event from its body. */
export function decodeBody(origin: string, buf: Buffer, offset = 0): SmolEvent {
  const h = decodeBodyHeader(buf, offset);
  let data: unknown;
  try {
    data = JSON.parse(buf.toString('utf8', h.dataOffset));
  } catch (cause) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `event ${origin}:${h.seq} has unreadable data`, { cause });
  }
  return { id: eventId(origin, h.seq), origin, seq: h.seq, hlc: h.hlc, type: h.type, v: h.v, data, prev: h.prev };
}

/** Hex sha-256 of an event, over `origin | 0x00 | body`. */
export function hashBody(origin: string, body: Uint8Array): string {
  return createHash('sha256').update(origin).update(ZERO_BYTE).update(body).digest('hex');
}
const ZERO_BYTE = new Uint8Array([0]);

/** `origin utf8 | 0x00`: what an event's hash covers before its body. */
export function hashPrefix(origin: string): Buffer {
  return Buffer.from(`${origin}\0`, 'utf8');
}

/** The hash `hashBody` gives, of a buffer that already holds `hashPrefix(origin) | body` (one-shot, no copy). */
export function hashPrefixed(prefixedBody: Uint8Array): string {
  return oneShotHash('sha256', prefixedBody, 'hex');
}

/** Encodes an event object (e.g. for tests and the in-memory journal). */
export function encodeEvent(e: SmolEvent): Buffer {
  return encodeBody(e.seq, e.hlc, e.type, e.v, e.prev, JSON.stringify(e.data));
}

export { GENESIS_PREV };
