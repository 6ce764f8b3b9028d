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
  const typeStart = typeOffset(buf, offset);
  const typeLen = buf[typeStart - 1]!;
  const prevStart = typeStart + typeLen;
  return {
    seq: headerSeq,
    hlc: buf.toString('hex', headerHlcStart, headerHlcStart + 8),
    v: headerV,
    type: internType(buf, typeStart, typeLen),
    prev: buf.toString('hex', prevStart, prevStart + 32),
    dataOffset: prevStart + 32,
  };
}

/** Where the fields of a body lie, without making strings of hlc and prev (see decodeBodyHeader). */
export interface BodyLayout {
  readonly seq: number;
  readonly v: number;
  readonly type: string;
  /** Offsets of the 8 hlc bytes, the 32 prev bytes and the data JSON inside the buffer. */
  readonly hlcOffset: number;
  readonly prevOffset: number;
  readonly dataOffset: number;
}

/** The layout of a body starting at `offset`: header checks only, no hex. Throws SMOL_JOURNAL_CORRUPT. */
export function decodeBodyLayout(buf: Buffer, offset = 0): BodyLayout {
  const typeStart = typeOffset(buf, offset);
  const typeLen = buf[typeStart - 1]!;
  const prevOffset = typeStart + typeLen;
  return { seq: headerSeq, v: headerV, type: internType(buf, typeStart, typeLen), hlcOffset: headerHlcStart, prevOffset, dataOffset: prevOffset + 32 };
}

/** Only the seq of a body (header checked). Throws SMOL_JOURNAL_CORRUPT. */
export function decodeBodySeq(buf: Buffer, offset = 0): number {
  typeOffset(buf, offset);
  return headerSeq;
}

/** Only the type of a body: enough to filter without decoding the rest. Throws SMOL_JOURNAL_CORRUPT. */
export function decodeBodyType(buf: Buffer, offset = 0): string {
  const typeStart = typeOffset(buf, offset);
  return internType(buf, typeStart, buf[typeStart - 1]!);
}

// Outputs of typeOffset and varintAt, kept in module state so the hot path allocates no tuples.
let headerSeq = 0;
let headerV = 0;
let headerHlcStart = 0;
let varintEnd = 0;

/** Parses seq and v (into module state), checks bounds, returns where the type's bytes start. */
function typeOffset(buf: Buffer, offset: number): number {
  if (buf[offset] !== CODEC_VERSION) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `unknown event codec ${buf[offset]}`);
  }
  headerSeq = varintAt(buf, offset + 1);
  headerHlcStart = varintEnd;
  if (headerHlcStart + 8 > buf.length) throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated event header');
  headerV = varintAt(buf, headerHlcStart + 8);
  const o2 = varintEnd;
  const typeLen = buf[o2];
  if (typeLen === undefined || o2 + 1 + typeLen + 32 > buf.length) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated event header');
  }
  return o2 + 1;
}

/** readVarint without the tuple: returns the value, leaves the next offset in `varintEnd`. */
function varintAt(buf: Uint8Array, offset: number): number {
  let result = 0;
  let scale = 1;
  for (let i = offset; i < buf.length && i < offset + 8; i++) {
    const b = buf[i]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) {
      varintEnd = i + 1;
      return result;
    }
    scale *= 0x80;
  }
  throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, 'truncated or oversized varint');
}

// Replay decodes millions of events of a handful of types: the type string is looked up, not re-made.
const typeIntern = new Map<number, { readonly bytes: Uint8Array; readonly type: string }>();
function internType(buf: Buffer, start: number, length: number): string {
  let h = length;
  for (let i = start; i < start + length; i++) h = (Math.imul(h, 31) + buf[i]!) | 0;
  const hit = typeIntern.get(h);
  if (hit !== undefined && hit.bytes.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (hit.bytes[i] !== buf[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit.type;
  }
  const type = buf.toString('utf8', start, start + length);
  if (hit === undefined && typeIntern.size < 1024) typeIntern.set(h, { bytes: Uint8Array.prototype.slice.call(buf, start, start + length), type });
  return type;
}

/** Decodes a full event from its body. */
export function decodeBody(origin: string, buf: Buffer, offset = 0): SmolEvent {
  return decodeBodyOfType(origin, buf, offset, undefined)!;
}

/**
 * Decodes a full event from its body when its type is in `types` (all types when undefined), or
 * returns undefined without parsing its data. The header is parsed once, no header object.
 */
export function decodeBodyOfType(origin: string, buf: Buffer, offset: number, types: ReadonlySet<string> | undefined): SmolEvent | undefined {
  const typeStart = typeOffset(buf, offset);
  const typeLen = buf[typeStart - 1]!;
  const type = internType(buf, typeStart, typeLen);
  if (types !== undefined && !types.has(type)) return undefined;
  const seq = headerSeq;
  const v = headerV;
  const prevStart = typeStart + typeLen;
  // One hex conversion from hlc to the end of prev; both fields are slices of it.
  const hex = buf.toString('hex', headerHlcStart, prevStart + 32);
  const hlc = hex.slice(0, 16);
  const prev = hex.slice(2 * (prevStart - headerHlcStart));
  let data: unknown;
  try {
    data = JSON.parse(buf.toString('utf8', prevStart + 32));
  } catch (cause) {
    throw new SmolError(ErrorCodes.JOURNAL_CORRUPT, `event ${origin}:${seq} has unreadable data`, { cause });
  }
  return { id: eventId(origin, seq), origin, seq, hlc, type, v, data, prev };
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
